"""Customer portal pages of billing: invoices, PDF, EPC QR, and refusing after the warning page."""

import pytest
from django.urls import reverse

from billing.models import BanEvent, Invoice
from diagnostics.services import diagnosis_conclude
from tests.portals import HOSTILE, browser, incident
from tickets.services import ticket_start_diagnosis

pytestmark = pytest.mark.django_db


def billed(customer, agent) -> Invoice:
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    diagnosis_conclude(ticket=ticket, findings="DNS fixed", outcome="fixed", by=agent)
    return Invoice.objects.get(ticket_id=ticket.pk)


def test_invoice_pages_are_the_customers_only(customer, other_customer, agent, finance):
    invoice = billed(customer, agent)
    for url in (
        reverse("customer:billing:invoice", args=[invoice.pk]),
        reverse("customer:billing:refuse", args=[invoice.pk]),
        reverse("customer:billing:qr", args=[invoice.pk]),
    ):
        assert browser(customer).get(url).status_code == 200
        assert browser(other_customer).get(url).status_code == 404
        assert browser(agent).get(url).status_code == 403
        assert browser(finance).get(url).status_code == 403


def test_invoice_page_shows_payment_instructions_and_the_qr_code(customer, agent):
    invoice = billed(customer, agent)
    page = browser(customer).get(reverse("customer:billing:invoice", args=[invoice.pk])).content.decode()
    assert invoice.entity.iban in page and invoice.number in page
    assert reverse("customer:billing:qr", args=[invoice.pk]) in page
    qr = browser(customer).get(reverse("customer:billing:qr", args=[invoice.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_invoice_pdf_downloads_as_issued(customer, agent):
    invoice = billed(customer, agent)
    response = browser(customer).get(reverse("customer:billing:pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_refusal_needs_a_reason_and_the_ticked_box(customer, agent):
    invoice = billed(customer, agent)
    url = reverse("customer:billing:refuse", args=[invoice.pk])
    warning = browser(customer).get(url).content.decode()
    assert 'id="consequences"' in warning
    response = browser(customer).post(url, {"reason": "too expensive"})
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.OPEN


def test_refusal_cancels_the_invoice_and_requests_the_ban(
    customer, agent, django_capture_on_commit_callbacks
):
    invoice = billed(customer, agent)
    with django_capture_on_commit_callbacks():
        response = browser(customer).post(
            reverse("customer:billing:refuse", args=[invoice.pk]),
            {"reason": "Nothing was fixed", "understood": "on"},
        )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.REFUSED and invoice.credit_note is not None
    assert BanEvent.objects.get(invoice=invoice).note == "Nothing was fixed"


def test_refusing_twice_is_a_message_not_an_error(customer, agent):
    invoice = billed(customer, agent)
    url = reverse("customer:billing:refuse", args=[invoice.pk])
    browser(customer).post(url, {"reason": "no", "understood": "on"})
    response = browser(customer).post(url, {"reason": "no", "understood": "on"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode() or list(response.context["messages"])


@pytest.mark.parametrize("value", HOSTILE)
def test_refusal_form_survives_hostile_input(customer, agent, value):
    invoice = billed(customer, agent)
    response = browser(customer).post(
        reverse("customer:billing:refuse", args=[invoice.pk]), {"reason": value, "understood": value}
    )
    assert response.status_code in (302, 400)


@pytest.mark.parametrize("rows", [1, 30])
def test_invoice_list_queries_do_not_grow_with_rows(customer, agent, rows, django_assert_max_num_queries):
    for _ in range(rows):
        billed(customer, agent)
    client = browser(customer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("customer:billing:invoices")).status_code == 200
