"""Contact obligations as data: ask before any access, tell at once after an emergency, each contact recorded."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from consent.models import ContactObligation, CustomerContact
from ops.sweeps import deadlines_enforce
from outbox.models import SentEmail
from outbox.services import EMAIL_GRACE, emails_send
from tests.consent.drive import act, ask, decide
from tests.factories import UserFactory
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


@pytest.fixture
def ticket(ticket):
    # The ticket's own e-mail went (a relay sends every e-mail waiting): the tests count theirs only.
    SentEmail.objects.update(sent_at=timezone.now(), attempts=1)
    return ticket


def channels(obligation: ContactObligation) -> list[str]:
    return [contact.channel for contact in obligation.contacts.order_by("id")]


def queue_flag(agent, ticket_id) -> bool:
    queue = client_for(agent).get(f"{API}/tickets/queue/").json()["results"]
    return next(item["contact_pending"] for item in queue if item["id"] == ticket_id)


def test_the_customer_is_asked_on_the_ticket_page_and_by_email(
    ticket, customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = UserFactory(role=Role.CUSTOMER, customer=customer.customer)
    UserFactory(role=Role.CUSTOMER, customer=customer.customer, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(agent, ticket["id"], scope="modify_data", hours=6)
    [message] = mailoutbox
    assert sorted(message.to) == sorted([customer.email, colleague.email])
    assert str(ticket["id"]) in message.subject
    assert "6" in message.body
    obligation = ContactObligation.objects.get(access_request_id=request["id"])
    assert (obligation.kind, obligation.resolution) == ("ask_before_access", "contacted")
    assert channels(obligation) == ["ticket_page", "email"]
    assert obligation.contacts.get(channel="email").recipients == 2


@pytest.mark.parametrize("action", ["suspend_service", "rescue_mode"])
def test_an_emergency_action_is_told_at_once_by_email_and_on_the_ticket_page(
    ticket, customer, agent, action, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = act(agent, ticket["id"], action).json()
    [message] = mailoutbox
    assert message.to == [customer.email]
    assert str(ticket["id"]) in message.subject
    obligation = ContactObligation.objects.get(intervention_id=done["id"])
    assert (obligation.kind, obligation.resolution) == ("tell_after_emergency", "contacted")
    assert channels(obligation) == ["ticket_page", "email"]
    history = client_for(customer).get(f"{API}/tickets/{ticket['id']}/history/").json()["results"]
    assert [(event["verb"], event["public"]) for event in history][0] == (
        "intervention",
        True,
    )  # newest first


def test_work_on_data_under_a_grant_owes_no_new_contact(
    ticket, customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    request = ask(agent, ticket["id"])
    decide(customer, request["id"], "grant")
    with django_capture_on_commit_callbacks(execute=True):
        assert act(agent, ticket["id"], "read_data").status_code == 201
    assert mailoutbox == []
    assert ContactObligation.objects.count() == 1


def test_an_answer_before_the_email_meets_the_obligation(ticket, customer, agent, mailoutbox):
    request = ask(agent, ticket["id"])  # its after-commit e-mail is held back in this test
    decide(customer, request["id"], "grant")
    obligation = ContactObligation.objects.get()
    assert (obligation.is_open, obligation.resolution) == (False, "answered")


def test_an_email_the_broker_lost_is_sent_and_recorded_by_the_hourly_sweep(
    ticket, customer, agent, mailoutbox
):
    act(
        agent, ticket["id"], "suspend_service"
    )  # the after-commit task never runs: as if the broker were down
    assert ContactObligation.objects.get().is_open
    assert queue_flag(agent, ticket["id"]) is True
    with time_machine.travel(
        timezone.now() + EMAIL_GRACE + timedelta(minutes=1), tick=False
    ):  # past its grace
        deadlines_enforce()
        deadlines_enforce()
    assert len([message for message in mailoutbox if "(UTC)" in message.body]) == 1
    obligation = ContactObligation.objects.get()
    assert (obligation.resolution, channels(obligation)) == ("contacted", ["ticket_page", "email"])
    assert queue_flag(agent, ticket["id"]) is False


def test_an_smtp_failure_leaves_the_obligation_open_for_the_next_try(
    ticket, customer, agent, mailoutbox, monkeypatch
):
    act(agent, ticket["id"], "rescue_mode")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    obligation = ContactObligation.objects.get()
    with pytest.raises(ConnectionRefusedError):
        emails_send(kind="consent_emergency_action", object_ids=[obligation.pk])
    obligation.refresh_from_db()
    assert obligation.is_open and channels(obligation) == ["ticket_page"]


def test_an_account_nobody_can_be_emailed_at_stays_flagged_until_staff_phone(
    ticket, customer, agent, django_capture_on_commit_callbacks
):
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        act(agent, ticket["id"], "suspend_service")
    obligation = ContactObligation.objects.get()
    assert obligation.is_open
    assert queue_flag(agent, ticket["id"]) is True
    open_list = client_for(agent).get(f"{API}/contact-obligations/", {"open": "true"}).json()["results"]
    assert [item["id"] for item in open_list] == [obligation.pk]
    response = client_for(agent).post(
        f"{API}/contact-obligations/{obligation.pk}/contacts/",
        {"channel": "phone", "note": "Told the CTO"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["channel"], response.json()["recorded_by"]) == ("phone", agent.pk)
    listed = client_for(agent).get(f"{API}/contact-obligations/", {"ticket": ticket["id"]}).json()["results"]
    assert [
        (item["met"], item["resolution"], [c["channel"] for c in item["contacts"]]) for item in listed
    ] == [(True, "contacted", ["ticket_page", "email", "phone"])]
    assert [c["recipients"] for c in listed[0]["contacts"]][1] == 0  # the e-mail reached nobody
    assert client_for(agent).get(f"{API}/contact-obligations/", {"open": "true"}).json()["results"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "ticket_page"}, "channel"),
        ({"channel": "pigeon"}, "channel"),
        ({}, "channel"),
        ({"channel": "phone", "note": "n" * 501}, "note"),
    ],
)
def test_bad_contact_input_is_a_400(ticket, agent, payload, field):
    act(agent, ticket["id"], "rescue_mode")
    obligation = ContactObligation.objects.get()
    response = client_for(agent).post(
        f"{API}/contact-obligations/{obligation.pk}/contacts/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert CustomerContact.objects.count() == 1


@pytest.mark.parametrize("role", ["customer", "finance"])
def test_contact_obligations_are_support_staffs_work_list(request, ticket, agent, role):
    act(agent, ticket["id"], "rescue_mode")
    obligation = ContactObligation.objects.get()
    user = request.getfixturevalue(role)
    listed = client_for(user).get(f"{API}/contact-obligations/")
    recorded = client_for(user).post(
        f"{API}/contact-obligations/{obligation.pk}/contacts/", {"channel": "phone"}, format="json"
    )
    assert (listed.status_code, recorded.status_code) == (403, 403)
