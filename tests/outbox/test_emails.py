"""The outbox: an e-mail recorded with its event, sent once after commit, a failure recorded and retried."""

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from outbox import services
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_every_event_of_the_contract_has_an_email():
    assert set(services.email_kinds()) >= {
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


def test_a_rerun_never_sends_an_email_twice(
    customer, customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue_invoice(customer_account)
    assert services.emails_send(kind="invoice_issued", object_ids=[invoice.pk]) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(kind="invoice_issued", object_id=invoice.pk, customer_id=customer_account.pk)
    assert len(mailoutbox) == 1
    assert SentEmail.objects.count() == 1


def test_a_failed_send_is_recorded_and_sent_by_a_later_attempt(
    customer, customer_account, mailoutbox, settings
):
    invoice = issue_invoice(customer_account)  # recorded; its after-commit task never ran in this test
    settings.EMAIL_BACKEND = "tests.outbox.test_emails.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        services.emails_send(kind="invoice_issued", object_ids=[invoice.pk])
    email = SentEmail.objects.get()
    assert (email.sent_at, email.attempts, email.last_error) == (None, 1, "ConnectionRefusedError: SMTP down")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.emails_send(kind="invoice_issued", object_ids=[invoice.pk]) == 1
    email.refresh_from_db()
    assert (email.attempts, email.last_error, len(mailoutbox)) == (2, "", 1)


def test_an_account_without_users_is_recorded_without_sending(
    customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue_invoice(customer_account)
    assert (SentEmail.objects.get().recipients, len(mailoutbox)) == ("", 0)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")
