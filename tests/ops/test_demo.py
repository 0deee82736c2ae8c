"""The demo world of `make run` (ops/demo.py): every state the README shows, made by the services, and every
portal page with something to show to the demo logins."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer, User
from billing import aging
from billing.models import BanEvent, CreditNote, Invoice, Payment, Refund
from billing.selectors import with_amounts
from consent.models import AccessRequest, Intervention
from diagnostics.models import Diagnosis
from mailin.models import InboundEmail
from outages.models import ProviderIncident
from outbox.models import SentEmail
from quotes.models import Quote
from tests.portals import browser
from tickets.fees import Outcome
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def user(email: str) -> User:
    return User.objects.get(email=email)


def account(name: str) -> Customer:
    return Customer.objects.get(name=name)


def test_the_world_has_a_ticket_in_every_state_of_every_kind(world):
    statuses = set(Ticket.objects.values_list("kind", "status"))
    assert {(kind, state) for kind, state in statuses if kind == Ticket.Kind.INCIDENT} == {
        (Ticket.Kind.INCIDENT, state) for state in Ticket.State.values
    }
    assert {
        (Ticket.Kind.TECHNICAL, Ticket.State.OPEN),
        (Ticket.Kind.TECHNICAL, Ticket.State.CLOSED),
        (Ticket.Kind.COMMERCIAL, Ticket.State.CLOSED),
        (Ticket.Kind.SLA_CLAIM, Ticket.State.OPEN),
    } <= statuses
    assert Ticket.objects.filter(kind=Ticket.Kind.INCIDENT, status=Ticket.State.OPEN, assignee=None).exists()
    assert set(Diagnosis.objects.values_list("outcome", flat=True)) == {
        Outcome.FIXED,
        Outcome.PROVIDER_FAULT,
        Outcome.QUOTED,
        Outcome.NO_QUOTE,
    }
    # Fixed during a free period: resolved, and no invoice.
    free = Ticket.objects.get(fee_free=True, fee_free_reason="introductory_period")
    assert (free.status, free.invoice_ids) == (Ticket.State.RESOLVED, [])
    assert not Invoice.objects.filter(
        ticket_id__in=Diagnosis.objects.filter(outcome=Outcome.PROVIDER_FAULT).values("ticket")
    )
    assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.State.values)
    assert "Demo world played" in world


def test_the_world_has_provider_incidents_past_under_way_and_drafted(world):
    past, ongoing, draft = ProviderIncident.objects.order_by("starts_at")
    assert past.status == ProviderIncident.State.RESOLVED and ongoing.is_active()
    assert draft.status == ProviderIncident.State.DRAFT
    tickets = Ticket.objects.filter(provider_incident=past)
    assert sorted(tickets.values_list("fee_free", flat=True)) == [False, True]  # one opened free, one linked
    assert set(tickets.values_list("status", flat=True)) == {Ticket.State.RESOLVED}
    assert not Invoice.objects.filter(ticket_id__in=tickets.values("pk")).exists()


def test_the_world_spreads_over_weeks_with_threads_of_both_sides(world):
    now = timezone.now()
    opened = Ticket.objects.values_list("created_at", flat=True)
    assert min(opened) < now - timedelta(weeks=6) and max(opened) > now - timedelta(days=1)
    assert max(opened) < now
    authors = set(Message.objects.values_list("author__role", flat=True))
    assert authors == {"customer", "agent"}
    assert {
        Customer.objects.get(pk=pk).language for pk in Ticket.objects.values_list("customer", flat=True)
    } == {
        "fr",
        "de",
    }


def test_the_world_bills_in_every_state_numbered_in_the_order_of_the_issue_days(world):
    today = timezone.localdate()
    invoices = list(Invoice.objects.all())
    open_ = [invoice for invoice in invoices if invoice.status == Invoice.State.OPEN]
    assert set(Invoice.objects.values_list("status", flat=True)) == set(Invoice.State.values)
    assert any(aging.is_overdue(invoice, today=today) for invoice in open_)
    assert any(0 <= aging.days_left(invoice, today=today) <= 7 for invoice in open_)
    partly = [invoice for invoice in open_ if Payment.objects.filter(invoice=invoice).exists()]
    assert partly and all(sum(p.amount for p in invoice.payments.all()) < invoice.gross for invoice in partly)
    paid = Invoice.objects.filter(status=Invoice.State.PAID)
    assert all(sum(p.amount for p in invoice.payments.all()) == invoice.gross for invoice in paid)
    for status in (Invoice.State.REFUSED, Invoice.State.LAPSED):
        assert CreditNote.objects.filter(invoice__status=status).exists()
    assert Refund.objects.filter(status=Refund.State.OWED, invoice__status=Invoice.State.LAPSED).exists()
    for entity_id in {invoice.entity_id for invoice in invoices}:
        series = sorted((i for i in invoices if i.entity_id == entity_id), key=lambda invoice: invoice.number)
        assert [i.issued_on for i in series] == sorted(i.issued_on for i in series)
        assert all(i.due_on == i.issued_on + timedelta(days=30) for i in series)
    # Every e-mail the world recorded was sent, as the workers would have.
    assert SentEmail.objects.exists() and not SentEmail.objects.filter(sent_at=None).exists()


def test_the_world_has_an_sla_credit_granted_one_refused_for_a_ban_and_one_waiting(world):
    from credits.models import SlaCredit

    granted = SlaCredit.objects.get(status=SlaCredit.Status.GRANTED)
    assert granted.customer == account("Boulangerie Exemple SARL") and granted.credit_note is not None
    assert granted.credit_note.kind == CreditNote.Kind.SLA_CREDIT
    assert Refund.objects.filter(credit_note=granted.credit_note, status=Refund.State.OWED).exists()
    refused = SlaCredit.objects.get(status=SlaCredit.Status.REFUSED)
    assert refused.customer == account("Fromagerie Démo SAS")
    assert refused.refusal == SlaCredit.Refusal.SUPPORT_BANNED
    waiting = Ticket.objects.get(kind=Ticket.Kind.SLA_CLAIM, status=Ticket.State.OPEN)
    assert waiting.service.has_sla and waiting.outage_started_at < waiting.outage_ended_at
    page = browser(user("client@example.fr")).get(
        reverse("customer:tickets:detail", args=[granted.ticket_id])
    )
    assert granted.credit_note.number in page.content.decode()


def test_the_banned_account_refused_an_invoice_and_its_portal_says_so(world):
    banned = account("Fromagerie Démo SAS")
    assert banned.support_status == Customer.SupportStatus.BANNED
    assert banned.ban_reason == Customer.BanReason.REFUSED_INVOICE
    refused = Invoice.objects.get(customer=banned, status=Invoice.State.REFUSED)
    assert CreditNote.objects.filter(invoice=refused, gross=refused.gross).exists()
    assert BanEvent.objects.get(customer=banned, invoice=refused).applied_at is not None
    assert Ticket.objects.filter(customer=banned, status=Ticket.State.CANCELLED).exists()  # by the ban
    page = browser(user("fromagerie@example.fr")).get(reverse("customer:tickets:dashboard"))
    assert page.status_code == 200
    assert 'class="badge banned"' in page.content.decode()
    reinstated = account("Beispiel Bäckerei GmbH")  # its lapse banned it; finance gave support back
    assert reinstated.support_status == Customer.SupportStatus.ACTIVE
    assert list(BanEvent.objects.filter(customer=reinstated).values_list("kind", flat=True)) == [
        BanEvent.Kind.REINSTATEMENT,
        BanEvent.Kind.BAN,
    ]


def test_the_world_asks_for_consent_and_logs_work_done_under_a_grant(world):
    assert AccessRequest.objects.filter(status=AccessRequest.State.PENDING).exists()
    grant = AccessRequest.objects.get(status=AccessRequest.State.GRANTED)
    assert grant.expires_at > timezone.now()
    assert Intervention.objects.filter(consent=grant).exists()


# The receivables report lists no invoice: each of its tables has rows, so none says it is empty.
EVERY_TABLE_FILLED = None


def lists(page: str, expected: str | None) -> bool:
    if expected is EVERY_TABLE_FILLED:
        return "Nothing yet." not in page and "No refund is owed." not in page
    return expected in page


def pages():
    """Each portal page, who looks at it, and a row it lists."""
    fr, de = account("Boulangerie Exemple SARL"), account("Beispiel Bäckerei GmbH")
    agent = user("agent@incident-desk.example")
    waiting = Ticket.objects.filter(status=Ticket.State.OPEN, kind=Ticket.Kind.INCIDENT).get()
    quoted = Ticket.objects.get(status=Ticket.State.QUOTE_SENT)
    running = Ticket.objects.filter(assignee=agent, status=Ticket.State.IN_WORK).first()
    closed = Invoice.objects.filter(status=Invoice.State.REFUSED).get()
    overdue = Invoice.objects.filter(status=Invoice.State.OPEN).order_by("due_on").first()
    refund = Refund.objects.get(invoice__isnull=False)

    def row(name, pk):
        return reverse(name, args=[pk])

    return [
        ("client@example.fr", "customer:tickets:dashboard", [], row("customer:tickets:detail", quoted.pk)),
        ("client@example.fr", "customer:tickets:list", [], row("customer:tickets:detail", waiting.pk)),
        ("client@example.fr", "customer:tickets:detail", [quoted.pk], quoted.subject),
        ("kunde@example.de", "customer:tickets:list", [], de.tickets.first().subject),
        ("comptable@example.fr", "customer:billing:invoices", [], fr.invoices.first().number),
        ("kunde@example.de", "customer:billing:invoices", [], de.invoices.first().number),
        ("agent@incident-desk.example", "staff:tickets:queue", [], row("staff:tickets:detail", waiting.pk)),
        ("agent@incident-desk.example", "staff:tickets:mine", [], row("staff:tickets:detail", running.pk)),
        ("agent@incident-desk.example", "staff:tickets:all", [], row("staff:tickets:detail", quoted.pk)),
        ("agent@incident-desk.example", "staff:tickets:detail", [running.pk], running.subject),
        ("agent@incident-desk.example", "staff:mailin:inbound", [], "Offre de référencement"),
        ("finance@incident-desk.example", "finance:billing:invoices", [], overdue.number),
        ("finance@incident-desk.example", "finance:billing:closed", [], closed.number),
        ("finance@incident-desk.example", "finance:billing:banned", [], "Fromagerie Démo SAS"),
        ("finance@incident-desk.example", "finance:billing:refunds", [], refund.invoice.number),
        ("finance@incident-desk.example", "finance:reporting:receivables", [], EVERY_TABLE_FILLED),
    ]


def test_every_portal_page_lists_rows_of_the_world_to_the_demo_logins(world):
    answers = {}
    for email, name, args, expected in pages():
        response = browser(user(email)).get(reverse(name, args=args))
        answers[name, email] = (response.status_code, lists(response.content.decode(), expected))
    assert answers == {key: (200, True) for key in answers}


def test_a_second_run_changes_nothing(world):
    models = [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]
    before = {model._meta.label: model._default_manager.count() for model in models}
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert {model._meta.label: model._default_manager.count() for model in models} == before
    assert "already there" in out.getvalue()
    assert "DEMO_PASSWORD" not in out.getvalue() and "demo-incident-desk-2026" in out.getvalue()


def test_what_is_due_and_the_receivables_are_in_cents_on_every_database(world):
    from reporting import selectors

    amounts = [row["amount"] for row in selectors.receivables_open_by_days_to_due(today=timezone.localdate())]
    amounts += [row["amount"] for row in selectors.receivables_cancelled_by_month()]
    amounts += [row["amount"] for row in selectors.refunds_owed()]
    amounts += [row[key] for row in selectors.diagnosis_fees_by_rule() for key in ("net", "gross")]
    invoices = with_amounts(Invoice.objects.all())
    amounts += [amount for invoice in invoices for amount in (invoice.amount_paid, invoice.amount_due)]
    assert amounts and {amount.as_tuple().exponent for amount in amounts} == {-2}


def test_the_receivables_chart_leaves_room_for_the_longest_bars_figures(world):
    from reporting.selectors import receivables_open_by_days_to_due
    from reporting.views.finance import CHART_WIDTH, open_amounts_chart

    chart = open_amounts_chart(receivables_open_by_days_to_due(today=timezone.localdate()))
    assert max(bar["text_x"] for bar in chart["bars"]) + len("99999.99 · 99") * 7 <= CHART_WIDTH


def test_the_world_received_mail_a_reply_on_its_ticket_and_refusals(world):
    reply = Message.objects.get(via_email=True)
    assert reply.body == "Précision : le terminal est un modèle Ingenico Move/5000."
    outcomes = sorted(InboundEmail.objects.values_list("outcome", "reason"))
    assert outcomes == [
        ("message", ""),
        ("rejected", "automated"),
        ("rejected", "incident"),
        ("rejected", "unknown_sender"),
    ]
    assert SentEmail.objects.get(kind="mailin_incident_form").sent_at is not None
