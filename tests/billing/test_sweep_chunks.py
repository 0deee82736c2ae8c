"""The deadline sweep's set-based paths keep the one-at-a-time rules: an invoice paid or being paid meanwhile
never lapses, each row goes through its transition under its lock, a ban held elsewhere waits for the next run."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.models import Customer, User
from billing import services
from billing.models import BanEvent, CreditNote, DocumentCounter, Invoice
from config.errors import InvalidTransition
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.factories import CustomerFactory, UserFactory
from tests.workflow import API, client_for, open_incident, start
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_record

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
        assert account.banned_at == bans[first.pk].created_at
    assert services.bans_apply(ban_ids=ban_ids) == 0


@pytest.mark.django_db
def test_a_chunk_leaves_an_account_already_banned_as_it_was(customer_account):
    invoice = issue_invoice(customer_account)
    banned_at = timezone.now() - timedelta(days=3)
    Customer.objects.filter(pk=customer_account.pk).update(
        support_status="banned", banned_at=banned_at, ban_reason="refused_invoice"
    )
    ban_ids = lapse_and_list_bans(invoice)

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
    assert BanEvent.objects.get(invoice=free_invoice).applied_at is not None
    assert services.bans_apply(ban_ids=ban_ids) == 1
    assert BanEvent.objects.get(pk=held.pk).applied_at is not None


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


# One rule, one path: the one-row services are the chunk functions with one id, and a refusal writes
# what a lapse writes; these hold the rows they write equal.

CREDIT_NOTE = ("entity_id", "issued_on", "reason", "net", "vat", "gross", "currency")
BAN = ("kind", "reason", "note", "actor_id", "changed_status")


def rows(queryset, fields, **by):
    return [tuple(getattr(row, field) for field in fields) for row in queryset.filter(**by).order_by("id")]


@pytest.mark.django_db
def test_one_invoice_lapses_by_itself_as_in_a_chunk(customer_account):
    alone, first, second = (issue_invoice(customer_account) for _ in range(3))
    day = overdue_day(alone)

    lapsed = services.invoice_lapse(invoice=alone, today=day)
    services.invoices_lapse(invoice_ids=[first.pk, second.pk], today=day)

    assert (lapsed.status, lapsed.closed_at) == tuple(
        Invoice.objects.values_list("status", "closed_at").get(pk=alone.pk)
    )
    for invoice in (alone, first, second):
        assert rows(CreditNote.objects, CREDIT_NOTE, invoice=invoice) == rows(
            CreditNote.objects, CREDIT_NOTE, invoice=first
        )
        # The first lapse banned the account; the chunk's bans are history only.
        changed = invoice == alone
        assert rows(BanEvent.objects, BAN, invoice=invoice) == [("ban", "unpaid_invoice", "", None, changed)]
    assert [n[-7:] for n in CreditNote.objects.order_by("id").values_list("number", flat=True)] == [
        "C000001",
        "C000002",
        "C000003",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["pay", "not yet due"])
def test_one_invoice_that_cannot_lapse_is_an_invalid_transition_and_writes_nothing(first, invoice, finance):
    if first == "pay":
        services.invoice_pay(
            invoice=invoice, amount=invoice.gross, received_on=timezone.localdate(), by=finance
        )
    today = overdue_day(invoice) if first == "pay" else invoice.due_on

    with pytest.raises(InvalidTransition):
        services.invoice_lapse(invoice=invoice, today=today)

    assert not CreditNote.objects.exists() and not BanEvent.objects.exists()


@pytest.mark.django_db
def test_a_refusal_writes_what_a_lapse_writes_but_its_cause(customer, customer_account):
    refused, lapsed = issue_invoice(customer_account), issue_invoice(customer_account)

    services.invoice_refuse(invoice=refused, reason="Not mine", by=customer)
    services.invoice_lapse(invoice=lapsed, today=overdue_day(lapsed))

    assert Invoice.objects.get(pk=refused.pk).status == "refused"
    cause = {"reason": "refused"}
    assert rows(CreditNote.objects, CREDIT_NOTE, invoice=refused) == [
        tuple(cause.get(field, value) for field, value in zip(CREDIT_NOTE, row, strict=True))
        for row in rows(CreditNote.objects, CREDIT_NOTE, invoice=lapsed)
    ]
    assert rows(BanEvent.objects, BAN, invoice=refused) == [
        ("ban", "refused_invoice", "Not mine", customer.pk, True)
    ]
    assert rows(BanEvent.objects, BAN, invoice=lapsed) == [("ban", "unpaid_invoice", "", None, False)]


@pytest.mark.django_db
def test_one_ban_is_applied_by_itself_as_in_a_chunk(customer_account, other_customer, mailoutbox):
    alone = issue_invoice(customer_account)
    in_chunk = issue_invoice(other_customer.customer)
    lapse_and_list_bans(alone, in_chunk)

    services.ban_apply(ban=BanEvent.objects.get(invoice=alone))
    services.bans_apply(ban_ids=[BanEvent.objects.get(invoice=in_chunk).pk])

    bans = {ban.invoice_id: ban for ban in BanEvent.objects.all()}
    accounts = {
        a.pk: a for a in Customer.objects.filter(pk__in=[customer_account.pk, other_customer.customer_id])
    }
    for invoice in (alone, in_chunk):
        ban, account = bans[invoice.pk], accounts[invoice.customer_id]
        assert (ban.changed_status, account.support_status, account.ban_reason) == (
            True,
            "banned",
            "unpaid_invoice",
        )
        assert account.banned_at == ban.created_at
    assert ban.applied_at is not None
    assert sorted(
        SentEmail.objects.filter(kind="account_banned").values_list("object_id", flat=True)
    ) == sorted(ban.pk for ban in bans.values())


@pytest.mark.django_db
def test_a_customer_withdrawal_and_a_ban_cancel_a_ticket_alike(customer, customer_account):
    withdrawn, banned = open_incident(customer), open_incident(customer, subject="Other")

    cancel_ticket(customer, withdrawn["id"])
    lapse_and_ban(issue_invoice(customer_account))

    tickets = {t.pk: t for t in Ticket.objects.all()}
    events = {e.ticket_id: e for e in TicketEvent.objects.filter(verb="cancelled")}
    for ticket_id, actor, reason in (
        (withdrawn["id"], customer.pk, ""),
        (banned["id"], None, "support_banned"),
    ):
        ticket, event = tickets[ticket_id], events[ticket_id]
        assert (ticket.status, event.actor_id, event.public, event.detail) == (
            "cancelled",
            actor,
            True,
            {"reason": reason},
        )
        assert event.created_at == ticket.ended_at


@pytest.mark.django_db
def test_a_history_row_is_returned_as_written(customer, agent):
    ticket = Ticket.objects.get(pk=open_incident(customer)["id"])

    event = ticket_record(ticket=ticket, verb="note", actor=agent, public=False, body="Called them.")

    stored = TicketEvent.objects.get(pk=event.pk)
    fields = [field.attname for field in TicketEvent._meta.concrete_fields]
    assert [getattr(event, f) for f in fields] == [getattr(stored, f) for f in fields]


def lapse_and_ban(*invoices):
    services.bans_apply(ban_ids=lapse_and_list_bans(*invoices))


def cancel_ticket(user, ticket_id):
    response = client_for(user).post(f"{API}/tickets/{ticket_id}/cancel/")
    assert response.status_code == 200, response.content


def written(account):
    """What the lapse and ban paths wrote for an account; of ids and clock readings, only whether set."""
    tables = {
        Invoice.objects.filter(customer=account): ("status", "closed_at"),
        CreditNote.objects.filter(invoice__customer=account): ("issued_on", "reason", "net", "vat", "gross"),
        BanEvent.objects.filter(customer=account): ("kind", "reason", "note", "applied_at", "changed_status"),
        Customer.objects.filter(pk=account.pk): ("support_status", "banned_at", "ban_reason"),
        Ticket.objects.filter(customer=account): ("kind", "status", "ended_at"),
        TicketEvent.objects.filter(ticket__customer=account): ("verb", "actor_id", "public", "detail"),
        SentEmail.objects.filter(customer=account): ("kind", "sent_at", "attempts", "last_error"),
    }
    return [
        [
            tuple(
                value is not None if field.endswith(("_at", "_id")) else value
                for field, value in zip(fields, row, strict=True)
            )
            for row in queryset.order_by("id").values_list(*fields)
        ]
        for queryset, fields in tables.items()
    ]


@pytest.mark.django_db
def test_the_portable_statements_of_make_runs_sqlite_write_what_the_array_statements_write(
    customer, customer_account, monkeypatch
):
    """`make run` keeps its data in SQLite: config.bulk's portable statements (the ORM's), here run on
    PostgreSQL by calling it something else, lapse and ban as the arrays and `unnest` do."""
    portable = UserFactory(email="portable@example.fr", customer=CustomerFactory(country="FR")).customer
    open_incident(customer)
    lapse_and_ban(issue_invoice(customer_account))
    lapse_and_ban(issue_invoice(customer_account))  # a ban of an account banned already: history only

    monkeypatch.setattr(connection, "vendor", "sqlite")
    open_incident(User.objects.get(customer=portable))
    lapse_and_ban(issue_invoice(portable))
    lapse_and_ban(issue_invoice(portable))
    monkeypatch.undo()

    assert written(portable) == written(customer_account)
    assert Customer.objects.get(pk=portable.pk).is_banned


@pytest.mark.django_db
def test_a_chunks_credit_notes_are_numbered_in_invoice_order_by_the_one_formatter(
    customer_account, other_customer
):
    french, german, french_again = (
        issue_invoice(account) for account in (customer_account, other_customer.customer, customer_account)
    )

    services.invoices_lapse(invoice_ids=[french.pk, german.pk, french_again.pk], today=overdue_day(french))

    year, series = timezone.localdate().year, DocumentCounter.Series.CREDIT_NOTE
    assert dict(CreditNote.objects.values_list("invoice_id", "number")) == {
        french.pk: services.document_number(country="FR", series=series, year=year, n=1),
        german.pk: services.document_number(country="DE", series=series, year=year, n=1),
        french_again.pk: services.document_number(country="FR", series=series, year=year, n=2),
    }


def test_a_number_has_six_digits_at_least():
    series = DocumentCounter.Series
    assert (
        services.document_number(country="FR", series=series.CREDIT_NOTE, year=2026, n=1) == "FR-2026-C000001"
    )
    assert (
        services.document_number(country="DE", series=series.INVOICE, year=2027, n=1234567)
        == "DE-2027-1234567"
    )
