"""The deadline sweep's set-based paths keep the one-at-a-time rules: an invoice paid or being paid meanwhile
never lapses, each row goes through its transition under its lock, a ban held elsewhere waits for the next run."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.models import Customer
from billing import services
from billing.models import BanEvent, CreditNote, Invoice
from tests.billing.conftest import issue_invoice
from tests.workflow import open_incident, start
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("on_postgres")


def overdue_day(invoice):
    return invoice.due_on + timedelta(days=1)


class Holder:
    """Another connection holding a row lock (a payment being recorded) until released."""

    def __init__(self, lock):
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(lock,))

    def _run(self, lock):
        try:
            with transaction.atomic():
                lock()
                self.locked.set()
                self.release.wait(timeout=30)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


@pytest.mark.django_db
def test_an_invoice_paid_since_it_was_listed_does_not_lapse(invoice, finance):
    services.invoice_pay(invoice=invoice, amount=invoice.gross, received_on=timezone.localdate(), by=finance)

    assert services.invoices_lapse(invoice_ids=[invoice.pk], today=overdue_day(invoice)) == []

    assert Invoice.objects.get(pk=invoice.pk).status == "paid"
    assert not CreditNote.objects.exists() and not BanEvent.objects.exists()


@pytest.mark.django_db
def test_an_invoice_not_yet_past_its_due_day_does_not_lapse(invoice):
    assert services.invoices_lapse(invoice_ids=[invoice.pk], today=invoice.due_on) == []
    assert Invoice.objects.get(pk=invoice.pk).status == "open"


@pytest.mark.django_db(transaction=True)
def test_an_invoice_a_payment_holds_is_skipped_without_waiting_and_the_others_lapse(customer_account):
    held, free = issue_invoice(customer_account), issue_invoice(customer_account)

    with Holder(lambda: Invoice.objects.select_for_update().get(pk=held.pk)):
        lapsed = services.invoices_lapse(invoice_ids=[held.pk, free.pk], today=overdue_day(held))

    assert [invoice.pk for invoice in lapsed] == [free.pk]
    assert dict(Invoice.objects.values_list("id", "status")) == {held.pk: "open", free.pk: "lapsed"}
    assert list(CreditNote.objects.values_list("invoice_id", flat=True)) == [free.pk]
    assert list(BanEvent.objects.values_list("invoice_id", flat=True)) == [free.pk]


@pytest.mark.django_db
def test_each_invoice_goes_through_its_transition_and_a_refusal_writes_nothing(invoice, monkeypatch):
    def refused(self, *, at):
        raise TransitionNotAllowed("not from here", object=self, method=refused)

    monkeypatch.setattr(Invoice, "lapse", refused)

    with pytest.raises(TransitionNotAllowed):
        services.invoices_lapse(invoice_ids=[invoice.pk], today=overdue_day(invoice))

    assert Invoice.objects.get(pk=invoice.pk).status == "open"
    assert not CreditNote.objects.exists() and not BanEvent.objects.exists()


@pytest.mark.django_db
def test_a_lapsed_invoice_is_written_as_its_transition_set_it(invoice):
    before = timezone.now()
    (lapsed,) = services.invoices_lapse(invoice_ids=[invoice.pk], today=overdue_day(invoice))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.status, stored.closed_at) == ("lapsed", lapsed.closed_at)
    assert stored.closed_at >= before


def lapse_and_list_bans(*invoices):
    services.invoices_lapse(invoice_ids=[invoice.pk for invoice in invoices], today=overdue_day(invoices[0]))
    return list(BanEvent.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.django_db
def test_a_chunk_bans_each_account_once_and_keeps_the_second_ban_as_history(customer_account, other_customer):
    other_account = other_customer.customer
    first, second = issue_invoice(customer_account), issue_invoice(customer_account)
    third = issue_invoice(other_account)
    ban_ids = lapse_and_list_bans(first, second, third)

    assert services.bans_apply(ban_ids=ban_ids) == 3

    bans = {ban.invoice_id: ban for ban in BanEvent.objects.all()}
    assert all(ban.applied_at is not None for ban in bans.values())
    assert [bans[i.pk].changed_status for i in (first, second, third)] == [True, False, True]
    for account in (customer_account, other_account):
        account.refresh_from_db()
        assert (account.support_status, account.ban_reason) == ("banned", "unpaid_invoice")
        assert account.banned_at == bans[first.pk].applied_at
    assert services.bans_apply(ban_ids=ban_ids) == 0


@pytest.mark.django_db
def test_a_chunk_leaves_an_account_already_banned_as_it_was(customer_account):
    invoice = issue_invoice(customer_account)
    ban_ids = lapse_and_list_bans(invoice)
    banned_at = timezone.now() - timedelta(days=3)
    Customer.objects.filter(pk=customer_account.pk).update(
        support_status="banned", banned_at=banned_at, ban_reason="refused_invoice"
    )

    assert services.bans_apply(ban_ids=ban_ids) == 1

    customer_account.refresh_from_db()
    assert (customer_account.banned_at, customer_account.ban_reason) == (banned_at, "refused_invoice")
    assert BanEvent.objects.get().changed_status is False


@pytest.mark.django_db(transaction=True)
def test_a_ban_another_transaction_holds_is_left_for_the_next_run(customer_account, other_customer):
    held_invoice, free_invoice = issue_invoice(customer_account), issue_invoice(other_customer.customer)
    ban_ids = lapse_and_list_bans(held_invoice, free_invoice)
    held = BanEvent.objects.get(invoice=held_invoice)

    with Holder(lambda: BanEvent.objects.select_for_update().get(pk=held.pk)):
        assert services.bans_apply(ban_ids=ban_ids) == 1

    assert BanEvent.objects.get(pk=held.pk).applied_at is None
    assert not Customer.objects.get(pk=customer_account.pk).is_banned
    assert Customer.objects.get(pk=other_customer.customer_id).is_banned
    assert services.bans_apply(ban_ids=ban_ids) == 1
    assert Customer.objects.get(pk=customer_account.pk).is_banned


@pytest.mark.django_db
def test_a_chunk_cancels_only_the_tickets_nobody_started_with_their_history(
    customer, customer_account, agent
):
    waiting, started = open_incident(customer), open_incident(customer, subject="Started")
    start(agent, started["id"])
    ban_ids = lapse_and_list_bans(issue_invoice(customer_account))

    services.bans_apply(ban_ids=ban_ids)

    cancelled = Ticket.objects.get(pk=waiting["id"])
    assert cancelled.status == "cancelled" and cancelled.ended_at is not None
    assert Ticket.objects.get(pk=started["id"]).status == "diagnosing"
    event = TicketEvent.objects.get(ticket=cancelled, verb="cancelled")
    assert (event.actor_id, event.public, event.detail, event.created_at) == (
        None,
        True,
        {"reason": "support_banned"},
        cancelled.ended_at,
    )
    assert not TicketEvent.objects.filter(ticket_id=started["id"], verb="cancelled").exists()
