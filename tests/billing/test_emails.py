"""E-mails: recorded with the event, sent after commit once, text and HTML, in the account's language."""

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from billing import notifications
from billing.models import SentEmail
from billing.services import invoice_pay
from tests.billing.conftest import issue_invoice
from tests.workflow import API, QUOTE, client_for, conclude, open_incident, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_every_event_of_the_contract_has_an_email():
    assert set(notifications.email_kinds()) >= {
        "ticket_opened",
        "diagnosis_concluded",
        "quote_sent",
        "work_completed",
        "invoice_issued",
        "payment_received",
        "invoice_reminder_7d",
        "invoice_reminder_1d",
        "account_banned",
        "account_reinstated",
    }


def test_the_whole_workflow_mails_the_account_in_its_language(
    customer, agent, finance, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_incident(customer)
        start(agent, ticket["id"])
        ticket = conclude(agent, ticket["id"], "quoted", QUOTE)
        client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/accept/")
        client_for(agent).post(
            f"{API}/tickets/{ticket['id']}/complete-work/", {"report": "Done"}, format="json"
        )
        invoice_id = client_for(customer).get(f"{API}/tickets/{ticket['id']}/").json()["invoices"][0]
        client_for(finance).post(f"{API}/invoices/{invoice_id}/payments/", {"amount": "1.00"}, format="json")

    sent = SentEmail.objects.order_by("id")
    assert [e.kind for e in sent] == [
        "ticket_opened",
        "diagnosis_concluded",
        "quote_sent",
        "invoice_issued",
        "work_completed",
        "payment_received",
    ]
    assert {(e.language, e.recipients, e.attempts) for e in sent} == {("fr", customer.email, 1)}
    assert all(e.sent_at is not None for e in sent)
    assert len(mailoutbox) == 6
    for message in mailoutbox:
        assert message.to == [customer.email]
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and '<html lang="fr">' in html
        assert "{%" not in message.body and "{{" not in message.body
    opened = mailoutbox[0]
    assert str(ticket["id"]) in opened.subject
    assert "24,00 EUR" in opened.body  # the fee the customer accepted, gross, written the French way


def test_a_german_account_is_mailed_in_german(other_customer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue_invoice(other_customer.customer)
    assert SentEmail.objects.get().language == "de"
    assert '<html lang="de">' in mailoutbox[0].alternatives[0][0]
    assert invoice.number in mailoutbox[0].subject


def test_a_rerun_never_sends_an_email_twice(
    customer, customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue_invoice(customer_account)
    assert notifications.email_send(kind="invoice_issued", object_id=invoice.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        notifications.email_queue(
            kind="invoice_issued", object_id=invoice.pk, customer_id=customer_account.pk
        )
    assert len(mailoutbox) == 1
    assert SentEmail.objects.count() == 1


def test_a_failed_send_is_recorded_and_sent_by_a_later_attempt(
    customer, customer_account, mailoutbox, settings
):
    invoice = issue_invoice(customer_account)  # recorded; its after-commit task never ran in this test
    settings.EMAIL_BACKEND = "tests.billing.test_emails.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        notifications.email_send(kind="invoice_issued", object_id=invoice.pk)
    email = SentEmail.objects.get()
    assert (email.sent_at, email.attempts, email.last_error) == (None, 1, "ConnectionRefusedError: SMTP down")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.email_send(kind="invoice_issued", object_id=invoice.pk) is True
    email.refresh_from_db()
    assert (email.attempts, email.last_error, len(mailoutbox)) == (2, "", 1)


def test_an_account_without_users_is_recorded_without_sending(
    customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue_invoice(customer_account)
    assert (SentEmail.objects.get().recipients, len(mailoutbox)) == ("", 0)


def test_payment_email_tells_what_is_still_due(
    customer, customer_account, finance, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue_invoice(customer_account)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_pay(invoice=invoice, amount=invoice.gross - 4, received_on=timezone.localdate(), by=finance)
    assert "4,00 EUR" in mailoutbox[-1].body


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")
