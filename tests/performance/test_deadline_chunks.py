"""The deadline sweep in chunks: every overdue invoice lapses once, across chunk boundaries, with what the
one-at-a-time rule writes (a credit note numbered without gap, a ban applied, open tickets cancelled)."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Customer
from billing import services, tasks
from billing.models import BanEvent, CreditNote, DocumentCounter, Invoice
from outbox.models import SentEmail
from tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("on_postgres")


@pytest.fixture
def overdue(db, monkeypatch):
    call_command("seed_scale", scale=0.001, stdout=io.StringIO())
    call_command("seed_scale", add_overdue=30, stdout=io.StringIO())
    monkeypatch.setattr(tasks, "SWEEP_CHUNK", 7)  # 30 invoices: four full chunks and a partial one
    return list(
        Invoice.objects.filter(status=Invoice.State.OPEN, due_on__lt=timezone.localdate()).values_list(
            "id", "customer_id"
        )
    )


def test_every_overdue_invoice_lapses_once_with_its_credit_note_and_ban(
    overdue, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    counters = {
        c.entity_id: c.last_number
        for c in DocumentCounter.objects.filter(series=DocumentCounter.Series.CREDIT_NOTE, year=year)
    }
    accounts = {customer_id for _id, customer_id in overdue}
    waiting = Ticket.objects.filter(customer_id__in=accounts, status=Ticket.State.OPEN)
    # The open SLA claims are refused for the ban (closed), the other open tickets cancelled.
    open_tickets = waiting.exclude(kind=Ticket.Kind.SLA_CLAIM).count()
    cancelled_before = Ticket.objects.filter(status=Ticket.State.CANCELLED).count()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.invoices_lapse_overdue(now=now) == 30
        assert tasks.bans_apply_pending(now=now) == 30
    ids = [invoice_id for invoice_id, _customer in overdue]
    assert set(Invoice.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"lapsed"}
    notes = CreditNote.objects.filter(invoice_id__in=ids)
    assert notes.count() == 30 and set(notes.values_list("reason", flat=True)) == {"lapsed"}
    for entity_id, last in counters.items():
        numbers = sorted(
            int(n.rsplit("C", 1)[1])
            for n in notes.filter(entity_id=entity_id).values_list("number", flat=True)
        )
        assert numbers == list(range(last + 1, last + 1 + len(numbers)))
        assert DocumentCounter.objects.get(
            entity_id=entity_id, series="credit_note", year=year
        ).last_number == last + len(numbers)
    bans = BanEvent.objects.filter(invoice_id__in=ids)
    assert bans.count() == 30 and not bans.filter(applied_at__isnull=True).exists()
    assert bans.filter(changed_status=True).count() == len(accounts)
    assert not Customer.objects.filter(pk__in=accounts).exclude(support_status="banned").exists()
    assert Ticket.objects.filter(status=Ticket.State.CANCELLED).count() == cancelled_before + open_tickets
    assert not Ticket.objects.filter(customer_id__in=accounts, status=Ticket.State.OPEN).exists()
    assert SentEmail.objects.filter(kind="account_banned", object_id__in=bans.values("id")).count() == 30
    # One PDF task per chunk of credit notes, not one per note.
    assert len(callbacks) < 30
    assert tasks.invoices_lapse_overdue(now=now) == 0 and tasks.bans_apply_pending(now=now) == 0


def test_a_chunk_costs_as_many_queries_for_one_row_as_for_many(
    overdue, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    ids = [invoice_id for invoice_id, _customer in overdue]
    entities = Invoice.objects.filter(pk__in=ids).values("entity").distinct().count()
    with django_capture_on_commit_callbacks(execute=False):
        for chunk in (ids[:1], ids[1:]):
            # Its savepoint, the locked read, one statement each for the invoices, credit notes and
            # bans, the payments to refund (read; the refunds owed, one insert when there are any), the
            # accounts (locked read, update: banned in this transaction), the entities, and three per
            # entity to draw its credit-note numbers.
            with django_assert_max_num_queries(11 + 3 * entities):
                services.invoices_lapse(invoice_ids=chunk, today=timezone.localdate())
        bans = list(BanEvent.objects.filter(invoice_id__in=ids).order_by("id").values_list("id", flat=True))
        for chunk in (bans[:1], bans[1:]):
            # Bans (read, update), their accounts' open tickets (read, update, history, in a savepoint of
            # their own), the e-mails, within the chunk's savepoint; the accounts were banned by the lapse.
            # Their open SLA claims, however many, are refused in 8 more (credits.services
            # .sla_claims_refuse_for_bans: savepoint, locked read, languages, close, history, access
            # requests, e-mails, assessments).
            with django_assert_max_num_queries(10 + 8):
                assert services.bans_apply(ban_ids=chunk) == len(chunk)
