"""seed_scale at a tiny scale: the counts asked for, and data the app's own rules would have produced."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Sum
from django.utils import timezone

from accounts.models import Customer, Role, User
from billing.models import CreditNote, DocumentCounter, Invoice, Payment
from billing.services import LineSpec, invoice_issue
from diagnostics.models import Diagnosis
from quotes.models import Quote
from tickets.fees import Outcome
from tickets.models import Message, Ticket
from tickets.services import ticket_open

pytestmark = pytest.mark.usefixtures("on_postgres")

SCALE = 0.001  # 100 accounts, 1,000 tickets, 300 invoices, 3,000 messages
INCIDENT_STATES = set(Ticket.State.values)
QUESTION_STATES = {Ticket.State.OPEN, Ticket.State.CLOSED, Ticket.State.CANCELLED}


@pytest.fixture
def seeded(db):
    call_command("seed_scale", scale=SCALE, stdout=io.StringIO())


def test_counts_follow_the_scale(seeded):
    assert Customer.objects.count() == 100
    assert Ticket.objects.count() == 1000
    assert Invoice.objects.count() == 300
    assert Message.objects.count() == 3000
    assert Invoice.objects.filter(status=Invoice.State.OPEN).count() == 30


def test_every_kind_and_state_is_there(seeded):
    pairs = set(Ticket.objects.values_list("kind", "status").distinct())
    for kind in Ticket.Kind.values:
        expected = INCIDENT_STATES if kind == Ticket.Kind.INCIDENT else QUESTION_STATES
        assert {status for k, status in pairs if k == kind} == expected, kind


def test_diagnoses_exactly_for_concluded_incidents_and_quotes_for_quoted_ones(seeded):
    concluded = Ticket.objects.filter(kind=Ticket.Kind.INCIDENT).exclude(
        status__in=[Ticket.State.OPEN, Ticket.State.DIAGNOSING, Ticket.State.CANCELLED]
    )
    assert set(Diagnosis.objects.values_list("ticket_id", flat=True)) == set(
        concluded.values_list("id", flat=True)
    )
    quoted = Diagnosis.objects.filter(outcome=Outcome.QUOTED).values_list("ticket_id", flat=True)
    assert set(Quote.objects.values_list("ticket_id", flat=True)) == set(quoted)
    assert (
        not Ticket.objects.filter(status=Ticket.State.QUOTE_SENT)
        .exclude(quote__status=Quote.State.SENT)
        .exists()
    )
    assert (
        not Ticket.objects.filter(status=Ticket.State.IN_WORK)
        .exclude(quote__status=Quote.State.ACCEPTED)
        .exists()
    )
    assert not Quote.objects.filter(status=Quote.State.SENT, valid_until__lt=timezone.localdate()).exists()


def test_fee_snapshot_on_incidents_only_and_bills_follow_the_outcome_table(seeded):
    assert not Ticket.objects.filter(kind=Ticket.Kind.INCIDENT, fee_gross__isnull=True).exists()
    assert not Ticket.objects.exclude(kind=Ticket.Kind.INCIDENT).filter(fee_gross__isnull=False).exists()
    # Billed: the fee when fixed, declined or expired; the fee and the quote when the work is complete.
    billed = Ticket.objects.select_related("diagnosis").in_bulk(
        Invoice.objects.values_list("ticket_id", flat=True)
    )
    for invoice in Invoice.objects.prefetch_related("lines"):
        ticket = billed[invoice.ticket_id]
        assert ticket.diagnosis.fee_charged and not ticket.fee_free
        assert ticket.diagnosis.outcome in (Outcome.FIXED, Outcome.QUOTED)
        assert sum(line.net for line in invoice.lines.all()) == invoice.net
        assert invoice.lines.all()[0].unit_price == ticket.fee_net
    assert not Diagnosis.objects.filter(outcome=Outcome.PROVIDER_FAULT, fee_charged=True).exists()
    unbilled = [Outcome.PROVIDER_FAULT, Outcome.NO_QUOTE, Outcome.NO_COMPETENCE]
    assert not Invoice.objects.filter(
        ticket_id__in=Diagnosis.objects.filter(outcome__in=unbilled).values("ticket_id")
    ).exists()


def test_invoice_states_are_consistent_with_money_and_dates(seeded):
    today = timezone.localdate()
    assert not Invoice.objects.filter(status=Invoice.State.OPEN, due_on__lt=today).exists()
    assert not Invoice.objects.filter(status=Invoice.State.LAPSED, due_on__gte=today).exists()
    paid = Invoice.objects.filter(status=Invoice.State.PAID).annotate(total=Sum("payments__amount"))
    assert paid.exists() and not paid.exclude(total=F("gross")).exists()
    closed = Invoice.objects.filter(status__in=[Invoice.State.REFUSED, Invoice.State.LAPSED])
    assert closed.count() == CreditNote.objects.count() > 0
    assert not closed.filter(credit_note__isnull=True).exists()
    assert not Payment.objects.exclude(invoice__status__in=[Invoice.State.PAID, Invoice.State.OPEN]).exists()


def test_banned_accounts_have_nothing_in_progress(seeded):
    banned = Customer.objects.filter(support_status=Customer.SupportStatus.BANNED)
    assert banned.exists()
    assert not Ticket.objects.filter(
        customer__in=banned,
        status__in=[
            Ticket.State.OPEN,
            Ticket.State.DIAGNOSING,
            Ticket.State.QUOTE_SENT,
            Ticket.State.IN_WORK,
        ],
    ).exists()


def test_users_match_their_role(seeded):
    assert User.objects.filter(role=Role.CUSTOMER).count() == Customer.objects.count()
    assert not Customer.objects.annotate(n=Count("users")).exclude(n=1).exists()
    assert User.objects.filter(role=Role.AGENT).count() >= 2
    assert User.objects.filter(role=Role.FINANCE).exists()


def test_references_all_resolve(seeded):
    # The seed skips per-row foreign-key triggers while it loads, so check every reference here.
    checks = [
        ("tickets_ticket", "customer_id", "accounts_customer"),
        ("tickets_ticket", "opened_by_id", "accounts_user"),
        ("tickets_ticket", "service_id", "accounts_service"),
        ("tickets_ticket", "assignee_id", "accounts_user"),
        ("tickets_message", "ticket_id", "tickets_ticket"),
        ("tickets_message", "author_id", "accounts_user"),
        ("tickets_ticketevent", "ticket_id", "tickets_ticket"),
        ("billing_invoice", "ticket_id", "tickets_ticket"),
        ("billing_invoice", "customer_id", "accounts_customer"),
        ("billing_invoiceline", "invoice_id", "billing_invoice"),
        ("billing_payment", "invoice_id", "billing_invoice"),
        ("billing_creditnote", "invoice_id", "billing_invoice"),
        ("billing_banevent", "invoice_id", "billing_invoice"),
        ("quotes_quote", "ticket_id", "tickets_ticket"),
        ("quotes_quote", "invoice_id", "billing_invoice"),
        ("quotes_quoteline", "quote_id", "quotes_quote"),
        ("diagnostics_diagnosis", "ticket_id", "tickets_ticket"),
        ("diagnostics_diagnosis", "agent_id", "accounts_user"),
    ]
    with connection.cursor() as cursor:
        for table, column, target in checks:
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} x LEFT JOIN {target} y ON y.id = x.{column} "  # noqa: S608
                f"WHERE x.{column} IS NOT NULL AND y.id IS NULL"
            )
            assert cursor.fetchone()[0] == 0, f"{table}.{column}"


def test_the_next_invoice_and_ticket_continue_the_seeded_series(seeded, django_capture_on_commit_callbacks):
    customer = Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE, country="FR").first()
    year = timezone.localdate().year
    counter = DocumentCounter.objects.get(
        entity__country="FR", series=DocumentCounter.Series.INVOICE, year=year
    )
    numbers = Invoice.objects.filter(number__startswith=f"FR-{year}-").values_list("number", flat=True)
    assert counter.last_number == len(numbers) == max(int(n.rsplit("-", 1)[1]) for n in numbers)

    invoice = invoice_issue(
        customer=customer,
        lines=[LineSpec("Extra", Decimal("1"), Decimal("10.00"))],
        service_date=timezone.localdate(),
    )
    assert invoice.number == f"FR-{year}-{counter.last_number + 1:06d}"
    ticket = ticket_open(
        by=customer.users.get(),
        kind=Ticket.Kind.TECHNICAL,
        subject="After the seed",
        description="The sequences continue after the seeded ids.",
    )
    assert ticket.pk == Ticket.objects.order_by("-id").values_list("id", flat=True)[1] + 1


def test_overdue_invoices_are_added_for_the_deadline_benchmark(seeded):
    call_command("seed_scale", add_overdue=20, stdout=io.StringIO())
    today = timezone.localdate()
    overdue = Invoice.objects.filter(status=Invoice.State.OPEN, due_on__lt=today)
    assert overdue.count() == 20
    assert not overdue.filter(customer__support_status=Customer.SupportStatus.BANNED).exists()
    for counter in DocumentCounter.objects.filter(series=DocumentCounter.Series.INVOICE):
        numbers = Invoice.objects.filter(
            entity=counter.entity, number__startswith=f"{counter.entity.country}-{counter.year}-"
        ).values_list("number", flat=True)
        assert counter.last_number == len(numbers) == max(int(n.rsplit("-", 1)[1]) for n in numbers)


def test_every_ticket_is_searchable_by_its_subject_and_its_messages(seeded):
    # The database builds the vectors (tickets/search.py), the messages loaded before their tickets included.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE search_vector IS NULL),"
            " COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM tickets_message m WHERE m.ticket_id = t.id)"
            "   AND search_vector::text NOT LIKE '%C%')"
            " FROM tickets_ticket t"
        )
        assert cursor.fetchone() == (0, 0)
