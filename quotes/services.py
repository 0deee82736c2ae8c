"""Quote use cases, and the billing of an incident at each moment of the outcome table."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import DocumentCounter, Invoice
from billing.services import LineSpec, Totals, document_number_draw, invoice_issue, lines_add, totals_under
from billing.tax import VatTreatment, buyer_of, entity_may_issue, sale_terms
from config.formatting import format_money
from config.money import MONEY_MAX
from config.transitions import transition_save
from documents.store import render_after_commit
from outbox.services import email_queue
from quotes.models import Quote, QuoteLine
from quotes.notifications import QUOTE_SENT
from tickets.fees import BillingMoment, Charge, Outcome, ticket_charge
from tickets.models import StaffNotice, Ticket, TicketEvent
from tickets.notifications import WORK_COMPLETED
from tickets.services import staff_notify, ticket_lock, ticket_record, tickets_ended_announce


def ticket_bill(
    *, ticket: Ticket, outcome: str, moment: str, service_date: date, quote: Quote | None = None
) -> Invoice | None:
    """Issue the invoice the outcome table calls for at `moment`, or none when nothing is due.

    Runs inside the caller's transaction, so the ticket's state and its money never disagree.
    """
    charge = ticket_charge(
        outcome=outcome,
        moment=moment,
        suspected_provider_fault=ticket.suspected_provider_fault,
        fee_free=bool(ticket.fee_free),
    )
    lines = _bill_lines(ticket, charge, quote)
    if not lines:
        return None
    invoice = invoice_issue(
        customer=ticket.customer,
        ticket_id=ticket.pk,
        lines=lines,
        service_date=service_date,
        charges_diagnosis_fee=charge.bill_fee_now,
    )
    ticket_record(
        ticket=ticket,
        verb=TicketEvent.Verb.INVOICED,
        invoice=invoice.pk,
        number=invoice.number,
        gross=str(invoice.gross),
        rule=charge.rule,
    )
    return invoice


def _bill_lines(ticket: Ticket, charge: Charge, quote: Quote | None) -> list[LineSpec]:
    """The lines `charge` bills for `ticket`; none when nothing is owed."""
    lines = []
    if charge.bill_fee_now:
        assert ticket.fee_net is not None  # an incident's fee is fixed when it is opened
        lines.append(
            LineSpec(description=fee_line_description(ticket), quantity=Decimal(1), unit_price=ticket.fee_net)
        )
    if charge.bill_quote_now and quote is not None:
        lines.extend(
            LineSpec(description=line.description, quantity=line.quantity, unit_price=line.unit_price)
            for line in quote.lines.order_by("position")
        )
    return lines if sum(line.net for line in lines) > 0 else []


@dataclass(frozen=True)
class DecisionCost:
    """What deciding on a quote will be billed, stated before the customer decides."""

    totals: Totals | None  # None: nothing is billed
    fee_billed: bool  # the diagnosis fee is part of it
    currency: str


def quote_decision_cost(*, quote: Quote, moment: str) -> DecisionCost:
    """The invoice that accepting (billed at WORK_COMPLETED) or declining (QUOTE_DECLINED) the quote leads
    to, priced as ticket_bill will price it, at today's VAT."""
    ticket = quote.ticket
    charge = ticket_charge(
        outcome=Outcome.QUOTED,
        moment=moment,
        suspected_provider_fault=ticket.suspected_provider_fault,
        fee_free=bool(ticket.fee_free),
    )
    lines = _bill_lines(ticket, charge, quote)
    _entity, treatment = sale_terms(buyer=buyer_of(ticket.customer), on=timezone.localdate())
    return DecisionCost(
        totals=totals_under(lines, treatment) if lines else None,
        fee_billed=charge.bill_fee_now,
        currency=quote.currency,
    )


def fee_line_description(ticket: Ticket) -> str:
    """Names the ticket but none of its technical content (invoices carry no customer data)."""
    # In the language of the documents the customer receives (their account's).
    with translation.override(ticket.customer.language or "en"):
        return _("Incident diagnosis, ticket no. %(ticket)s") % {"ticket": ticket.pk}


@transaction.atomic  # the number's counter row stays locked until the quote is written
def quote_create(*, ticket: Ticket, lines: list[LineSpec], valid_days: int | None = None) -> Quote:
    """A quote in the customer's currency and VAT, numbered in its entity's gap-free series of the year,
    valid `valid_days` days (14 by default)."""
    valid_days = valid_days or settings.QUOTE_DEFAULT_VALID_DAYS
    today = timezone.localdate()
    entity, treatment = sale_terms(buyer=buyer_of(ticket.customer), on=today)
    entity_may_issue(entity)
    quote_amounts_check(ticket=ticket, lines=lines, treatment=treatment, currency=entity.currency)
    totals = totals_under(lines, treatment)
    quote = Quote.objects.create(
        ticket=ticket,
        number=document_number_draw(entity=entity, series=DocumentCounter.Series.QUOTE, year=today.year),
        **asdict(totals),
        currency=entity.currency,
        valid_until=today + timedelta(days=valid_days),
    )
    lines_add(QuoteLine, lines, quote=quote)
    email_queue(kind=QUOTE_SENT, object_id=quote.pk, customer_id=ticket.customer_id)  # sent after commit
    # Its PDF is rendered once, after commit, from the quote as sent.
    render_after_commit(task="quotes.tasks.quote_pdf_render_task", object_id=quote.pk)
    return quote


def quote_amounts_check(
    *, ticket: Ticket, lines: list[LineSpec], treatment: VatTreatment, currency: str
) -> None:
    """A quote is refused when the invoice it can lead to (its lines and the ticket's fee, VAT included)
    would not fit a money column: a clear error on `quote` rather than the database's numeric overflow."""
    fee = LineSpec(description="", quantity=Decimal(1), unit_price=ticket.fee_net or Decimal(0))
    if totals_under([*lines, fee], treatment).gross > MONEY_MAX:
        raise ValidationError(
            {
                "quote": [
                    _(
                        "The quote is too large: with the diagnosis fee and VAT, its invoice may not exceed "
                        "%(max)s."
                    )
                    % {"max": format_money(MONEY_MAX, currency)}
                ]
            }
        )


def _lock_ticket_and_quote(quote: Quote) -> tuple[Ticket, Quote]:
    # Always the ticket first, then its quote: every use case takes locks in this order, so no deadlock.
    ticket = ticket_lock(ticket=Ticket(pk=quote.ticket_id))
    return ticket, Quote.objects.select_for_update().get(pk=quote.pk)


@transaction.atomic
def quote_accept(*, quote: Quote, by) -> Quote:
    """Accepting starts the work at once, with no prepayment; only a sent quote within validity."""
    ticket, quote = _lock_ticket_and_quote(quote)
    transition_save(quote, Quote.accept, by=by)
    transition_save(ticket, Ticket.start_work)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.QUOTE_ACCEPTED, actor=by, quote=quote.pk)
    staff_notify(ticket=ticket, event=StaffNotice.Event.QUOTE_ACCEPTED, by=by)  # the work waits for the desk
    return quote


@transaction.atomic
def quote_decline(*, quote: Quote, by) -> Quote:
    """Declining closes the ticket; the diagnosis fee is billed (unless it was free)."""
    ticket, quote = _lock_ticket_and_quote(quote)
    transition_save(quote, Quote.decline, by=by)
    # The ticket closes: the desk is told, but nothing waits for it.
    staff_notify(ticket=ticket, event=StaffNotice.Event.QUOTE_DECLINED, by=by, waiting=False)
    return _close_without_work(
        ticket, quote, verb=TicketEvent.Verb.QUOTE_DECLINED, moment=BillingMoment.QUOTE_DECLINED, by=by
    )


@transaction.atomic
def quote_expire(*, quote: Quote) -> Quote:
    """A quote not decided by its last valid day lapses like a refusal: the fee is billed."""
    ticket, quote = _lock_ticket_and_quote(quote)
    transition_save(quote, Quote.expire)
    return _close_without_work(
        ticket, quote, verb=TicketEvent.Verb.QUOTE_EXPIRED, moment=BillingMoment.QUOTE_EXPIRED
    )


def _close_without_work(ticket: Ticket, quote: Quote, *, verb: str, moment: str, by=None) -> Quote:
    """After a quote is declined or lapses: the ticket closes without the work, and the fee is billed now."""
    transition_save(ticket, Ticket.close_without_work)
    ticket_record(ticket=ticket, verb=verb, actor=by, quote=quote.pk)
    tickets_ended_announce(ticket_ids=[ticket.pk])
    ticket_bill(ticket=ticket, outcome=Outcome.QUOTED, moment=moment, service_date=_diagnosis_day(ticket))
    return quote


@transaction.atomic
def ticket_complete_work(*, ticket: Ticket, report: str, by) -> Ticket:
    """The quoted work is done: the ticket is resolved and the fee plus the quote are invoiced now."""
    ticket = ticket_lock(ticket=ticket)
    transition_save(ticket, Ticket.complete_work, report=report)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.WORK_COMPLETED, actor=by)
    tickets_ended_announce(ticket_ids=[ticket.pk])
    quote = Quote.objects.select_for_update().get(ticket=ticket)
    quote.invoice = ticket_bill(
        ticket=ticket,
        outcome=Outcome.QUOTED,
        moment=BillingMoment.WORK_COMPLETED,
        service_date=timezone.localdate(),
        quote=quote,
    )
    quote.save(update_fields=["invoice"])
    email_queue(kind=WORK_COMPLETED, object_id=ticket.pk, customer_id=ticket.customer_id)  # sent after commit
    return ticket


def quotes_past_validity(*, today: date):
    return Quote.objects.filter(status=Quote.State.SENT, valid_until__lt=today)


def _diagnosis_day(ticket: Ticket) -> date:
    return timezone.localdate(ticket.diagnosis_concluded_at)
