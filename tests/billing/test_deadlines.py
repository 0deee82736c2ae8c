"""The 30-day deadline, reminders and quote expiry: date fields plus a sweep, safe to run any number of times."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Customer
from billing.models import BanEvent, CreditNote, Invoice
from ops.sweeps import deadlines_enforce
from outbox.models import SentEmail
from quotes.models import Quote
from tests.billing.conftest import issue_invoice
from tests.workflow import diagnosed, open_incident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def days_after(invoice, days):
    """Noon, local time, `days` days after the invoice's issue day."""
    day = invoice.issued_on + timedelta(days=days)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))


def sweep(at, capture):
    with time_machine.travel(at, tick=False), capture(execute=True):
        return deadlines_enforce()


def test_an_unpaid_invoice_lapses_on_day_31_not_day_29_nor_30(invoice, django_capture_on_commit_callbacks):
    for day in (29, 30):
        assert (
            sweep(days_after(invoice, day), django_capture_on_commit_callbacks)["invoices_lapse_overdue"] == 0
        )
        assert Invoice.objects.get().status == "open"
    assert sweep(days_after(invoice, 31), django_capture_on_commit_callbacks)["invoices_lapse_overdue"] == 1
    lapsed = Invoice.objects.get()
    assert lapsed.status == "lapsed"
    assert CreditNote.objects.get().reason == "lapsed"
    account = Customer.objects.get(pk=invoice.customer_id)
    assert (account.support_status, account.ban_reason) == ("banned", "unpaid_invoice")
    ban = BanEvent.objects.get()
    assert (ban.invoice_id, ban.actor_id, ban.changed_status) == (invoice.pk, None, True)


def test_a_second_sweep_changes_nothing(invoice, customer, django_capture_on_commit_callbacks):
    first = sweep(days_after(invoice, 31), django_capture_on_commit_callbacks)
    rows = (
        Invoice.objects.count(),
        CreditNote.objects.count(),
        BanEvent.objects.count(),
        SentEmail.objects.count(),
    )
    second = sweep(days_after(invoice, 31), django_capture_on_commit_callbacks)
    assert first["invoices_lapse_overdue"] == 1
    assert set(second.values()) == {0}
    assert (
        Invoice.objects.count(),
        CreditNote.objects.count(),
        BanEvent.objects.count(),
        SentEmail.objects.count(),
    ) == rows


def test_a_paid_invoice_never_lapses(invoice, finance, django_capture_on_commit_callbacks):
    from billing.services import invoice_pay

    invoice_pay(invoice=invoice, amount=invoice.gross, received_on=timezone.localdate(), by=finance)
    assert sweep(days_after(invoice, 45), django_capture_on_commit_callbacks)["invoices_lapse_overdue"] == 0
    assert not Customer.objects.get(pk=invoice.customer_id).is_banned


def test_reminders_go_7_days_and_1_day_before_the_due_day_each_once(
    invoice, mailoutbox, django_capture_on_commit_callbacks
):
    for day in range(20, 31):
        sweep(days_after(invoice, day), django_capture_on_commit_callbacks)
        sweep(days_after(invoice, day), django_capture_on_commit_callbacks)
    reminders = SentEmail.objects.filter(kind__startswith="invoice_reminder").order_by("id")
    # Due on day 30: 7 days and 1 day before.
    assert [(r.kind, (timezone.localdate(r.sent_at) - invoice.issued_on).days) for r in reminders] == [
        ("invoice_reminder_7d", 23),
        ("invoice_reminder_1d", 29),
    ]
    # The due day as the account's language writes it (French: day/month/year).
    assert len([m for m in mailoutbox if f"{invoice.due_on:%d/%m/%Y}" in m.subject]) == 2


def test_a_refused_invoice_gets_no_reminder(
    invoice, customer, mailoutbox, django_capture_on_commit_callbacks
):
    from billing.services import invoice_refuse

    invoice_refuse(invoice=invoice, reason="no", by=customer)
    sweep(days_after(invoice, 23), django_capture_on_commit_callbacks)
    assert not SentEmail.objects.filter(kind__startswith="invoice_reminder").exists()


def test_a_missed_sweep_still_sends_the_reminder_due(invoice, django_capture_on_commit_callbacks):
    # No sweep ran on day 23 (7 days before): the next one, on day 25, sends the 7-day reminder.
    assert sweep(days_after(invoice, 25), django_capture_on_commit_callbacks)["invoice_reminders_send"] == 1
    assert SentEmail.objects.filter(kind="invoice_reminder_7d").exists()


def test_the_sweep_expires_quotes_past_validity_and_bills_the_fee_once(
    customer, agent, django_capture_on_commit_callbacks
):
    ticket = diagnosed(customer, agent, "quoted")
    quote = Quote.objects.get(pk=ticket["quote"]["id"])
    later = timezone.now() + timedelta(days=15)
    assert sweep(later, django_capture_on_commit_callbacks)["quotes_expire_past_validity"] == 1
    assert sweep(later, django_capture_on_commit_callbacks)["quotes_expire_past_validity"] == 0
    quote.refresh_from_db()
    assert quote.status == "expired"
    assert Invoice.objects.filter(ticket_id=ticket["id"], charges_diagnosis_fee=True).count() == 1


def test_a_lapse_ban_cancels_open_tickets(customer, customer_account, django_capture_on_commit_callbacks):
    invoice = issue_invoice(customer_account)
    ticket = open_incident(customer)
    sweep(days_after(invoice, 31), django_capture_on_commit_callbacks)
    assert customer_account.tickets.get(pk=ticket["id"]).status == "cancelled"


def test_a_ban_left_pending_is_applied_by_the_next_sweep(
    invoice, customer, django_capture_on_commit_callbacks
):
    from billing.services import invoice_refuse

    invoice_refuse(invoice=invoice, reason="no", by=customer)  # its after-commit task never ran
    assert BanEvent.objects.get().applied_at is None
    assert sweep(timezone.now(), django_capture_on_commit_callbacks)["bans_apply_pending"] == 1
    assert Customer.objects.get(pk=invoice.customer_id).ban_reason == "refused_invoice"


def test_a_development_database_runs_the_same_sweep(invoice, monkeypatch, django_capture_on_commit_callbacks):
    # `make run` keeps its data in SQLite: the sweep runs the same chunk functions there, config.bulk
    # writing with the ORM's portable statements instead of arrays (here PostgreSQL, by another name).
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "sqlite")
    done = sweep(days_after(invoice, 31), django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert (done["invoices_lapse_overdue"], done["bans_apply_pending"]) == (1, 1)
    assert Invoice.objects.get().status == "lapsed" and CreditNote.objects.get().reason == "lapsed"
    assert Customer.objects.get(pk=invoice.customer_id).support_status == "banned"
    assert BanEvent.objects.get().applied_at is not None
