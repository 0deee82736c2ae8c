"""Customer portal pages of tickets: roles, ownership, the fee shown first, hostile input, bounded lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Customer
from tests.factories import UserFactory
from tests.portals import HOSTILE, browser, incident, quoted
from tests.workflow import open_incident
from tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    "name",
    [
        "customer:tickets:dashboard",
        "customer:tickets:list",
        "customer:tickets:open",
        "customer:tickets:ask",
        "customer:billing:invoices",
    ],
)
def test_customer_pages_open_for_the_customer_only(name, customer, agent, finance):
    url = reverse(name)
    assert browser(customer).get(url).status_code == 200
    assert browser(agent).get(url).status_code == 403
    assert browser(finance).get(url).status_code == 403
    anonymous = browser(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_open_page_shows_the_fee_with_vat_and_what_each_outcome_costs_before_ordering(customer):
    client = browser(customer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("customer:tickets:open")).content.decode()
    assert '<dd id="fee-gross"><strong>€24.00</strong></dd>' in page
    assert '<dd id="fee-vat">€4.00</dd>' in page and "VAT 20%" in page
    assert page.index('id="fee"') < page.index('id="order"')
    assert "Beyond our competence: the diagnosis is free" in page
    assert "The diagnosis fee: €24.00, invoiced at once." in page


@pytest.mark.parametrize(
    ("language", "button"),
    [
        ("fr", "Commander avec obligation de paiement"),
        ("de", "zahlungspflichtig bestellen"),
        ("en", "Order with obligation to pay"),
    ],
)
def test_the_final_button_names_the_obligation_to_pay(customer, language, button):
    client = browser(customer)
    client.cookies["django_language"] = language
    assert button in client.get(reverse("customer:tickets:open")).content.decode()


def test_the_account_language_is_the_default(customer):
    page = browser(customer).get(reverse("customer:tickets:open"), HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "fr"  # the account is French, whatever the browser says


def test_incident_without_the_ticked_box_is_refused_next_to_the_box(customer):
    response = browser(customer).post(reverse("customer:tickets:open"), {"subject": "s", "description": "d"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    assert (
        'id="id_accept_diagnosis_fee_error"' in response.content.decode()
        or "errorlist" in response.content.decode()
    )


def test_incident_with_the_ticked_box_opens_the_ticket(customer, service):
    response = browser(customer).post(
        reverse("customer:tickets:open"),
        {"subject": "Site down", "description": "502", "service": service.pk, "accept_diagnosis_fee": "on"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "customer:tickets:detail", args=[ticket.pk]
    )
    assert ticket.kind == "incident" and ticket.fee_gross is not None


def test_another_accounts_service_is_a_readable_error(customer, other_customer):
    from tests.factories import ServiceFactory

    foreign = ServiceFactory(customer=other_customer.customer)
    response = browser(customer).post(
        reverse("customer:tickets:open"),
        {"subject": "s", "description": "d", "service": foreign.pk, "accept_diagnosis_fee": "on"},
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_open_forms_survive_hostile_input(customer, value):
    for name in ("customer:tickets:open", "customer:tickets:ask"):
        response = browser(customer).post(
            reverse(name),
            {
                "kind": value,
                "subject": value,
                "description": value,
                "service": value,
                "accept_diagnosis_fee": value,
            },
        )
        assert response.status_code in (200, 302, 400)
        assert b"<script>alert(1)</script>" not in response.content


def test_banned_account_sees_its_status_and_no_form(customer):
    Customer.objects.filter(pk=customer.customer_id).update(
        support_status="banned", ban_reason="refused_invoice"
    )
    page = browser(customer).get(reverse("customer:tickets:open")).content.decode()
    assert 'id="order"' not in page and "warning" in page
    response = browser(customer).post(
        reverse("customer:tickets:ask"), {"kind": "sla_claim", "subject": "s", "description": "d"}
    )
    assert not Ticket.objects.exists()
    assert response.status_code == 200


def test_ticket_page_of_another_account_is_404(customer, other_customer):
    ticket = incident(other_customer)
    assert browser(customer).get(reverse("customer:tickets:detail", args=[ticket.pk])).status_code == 404
    assert browser(customer).post(reverse("customer:tickets:cancel", args=[ticket.pk])).status_code == 404
    message = browser(customer).post(reverse("customer:tickets:message", args=[ticket.pk]), {"body": "hi"})
    assert message.status_code == 404


def test_ticket_page_shows_quote_with_accept_and_decline(customer, agent):
    ticket = quoted(customer, agent)
    page = browser(customer).get(reverse("customer:tickets:detail", args=[ticket.pk])).content.decode()
    assert 'id="accept-quote"' in page and 'id="decline-quote"' in page and "Replace disk" in page


def test_cancelling_twice_gives_a_message_not_an_error(customer):
    ticket = incident(customer)
    client = browser(customer)
    answers = [
        client.post(reverse("customer:tickets:cancel", args=[ticket.pk]), follow=True) for _ in range(2)
    ]
    page = reverse("customer:tickets:detail", args=[ticket.pk])
    assert [answer.redirect_chain for answer in answers] == [[(page, 302)]] * 2
    told = [[message.level_tag for message in answer.context["messages"]] for answer in answers]
    assert told == [["success"], ["error"]]


def test_message_with_png_attachment_is_stored_under_a_random_name_and_served_as_download(customer, agent):
    ticket = incident(customer)
    upload = SimpleUploadedFile("screen.png", PNG, content_type="text/html")
    response = browser(customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]),
        {"body": "see screenshot", "attachment": upload},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png" and "screen" not in attachment.file.name
    download = browser(agent).get(reverse("staff:tickets:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><script>alert(1)</script>"),
        ("fake.png", b"<html>not a png"),
        ("run.exe", b"MZ\x90\x00"),
        ("notes.txt", b"\x00\x01binary"),
    ],
)
def test_attachments_outside_the_allow_list_are_refused_with_a_message(customer, name, content):
    ticket = incident(customer)
    response = browser(customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]),
        {"body": "file", "attachment": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert "content must match" in response.content.decode() or "errorlist" in response.content.decode()
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_attachment_over_10_mb_is_refused(customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = incident(customer)
    upload = SimpleUploadedFile("big.log", b"a" * 2048)
    response = browser(customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]), {"body": "log", "attachment": upload}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_attachment_of_another_account_is_404(customer, other_customer):
    ticket = incident(other_customer)
    browser(other_customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]),
        {"body": "x", "attachment": SimpleUploadedFile("a.txt", b"hello")},
    )
    attachment = Attachment.objects.get()
    assert (
        browser(customer).get(reverse("customer:tickets:attachment", args=[attachment.pk])).status_code == 404
    )


def test_message_body_is_escaped(customer):
    ticket = incident(customer)
    browser(customer).post(reverse("customer:tickets:message", args=[ticket.pk]), {"body": "<b>bold</b>"})
    page = browser(customer).get(reverse("customer:tickets:detail", args=[ticket.pk])).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_htmx_message_post_returns_the_thread_only(customer):
    ticket = incident(customer)
    response = browser(customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]), {"body": "hello"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'id="thread"' in response.content and b"<html" not in response.content


@pytest.mark.parametrize("rows", [1, 50])
def test_ticket_list_queries_do_not_grow_with_rows(customer, rows, django_assert_max_num_queries):
    for _ in range(rows):
        incident(customer)
    client = browser(customer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("customer:tickets:list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("customer:tickets:dashboard")).status_code == 200


def test_ticket_list_is_paginated(customer):
    for _ in range(30):
        incident(customer)
    client = browser(customer)
    first = client.get(reverse("customer:tickets:list")).context["page"]
    second = client.get(reverse("customer:tickets:list") + "?" + first.next_query).context["page"]
    assert len(second.object_list) == 5 and not second.has_next
    back = client.get(reverse("customer:tickets:list") + "?" + second.previous_query).context["page"]
    assert [t.pk for t in back] == [t.pk for t in first]
    assert client.get(reverse("customer:tickets:list") + "?after=x' OR 1=1").status_code == 200


def test_ticket_page_queries_do_not_grow_with_messages(customer, django_assert_max_num_queries):
    ticket = incident(customer)
    for n in range(20):
        browser(customer).post(reverse("customer:tickets:message", args=[ticket.pk]), {"body": f"m{n}"})
    client = browser(customer)
    with django_assert_max_num_queries(13):  # 12, and one per kind of pending decision (consent)
        assert client.get(reverse("customer:tickets:detail", args=[ticket.pk])).status_code == 200


def test_a_second_user_of_the_same_account_sees_the_ticket(customer):
    colleague = UserFactory(customer=customer.customer)
    ticket = incident(customer)
    assert browser(colleague).get(reverse("customer:tickets:detail", args=[ticket.pk])).status_code == 200


def test_the_dashboard_says_when_there_are_more_open_tickets_than_it_shows(customer, raised_rate_limits):
    for _ in range(10):
        open_incident(customer)
    page = browser(customer).get(reverse("customer:tickets:dashboard")).content.decode()
    assert page.count('href="/customer/tickets/') - page.count('href="/customer/tickets/new') >= 10
    assert "See all your tickets" not in page and "Voir tous vos tickets" not in page
    open_incident(customer)
    page = browser(customer).get(reverse("customer:tickets:dashboard")).content.decode()
    assert f'<a href="{reverse("customer:tickets:list")}">' in page


def test_an_empty_incident_form_shows_every_error_at_once_in_a_summary_that_takes_the_focus(customer):
    page = browser(customer).post(reverse("customer:tickets:open"), {})
    assert page.status_code == 400
    html = page.content.decode()
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    assert 'role="alert"' in html and "autofocus" in summary
    for field in ("id_subject", "id_description", "id_accept_diagnosis_fee"):
        assert f'href="#{field}"' in summary, field
    assert not Ticket.objects.exists()
