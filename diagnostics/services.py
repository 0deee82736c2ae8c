from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import LineSpec
from config.transitions import transition_save
from diagnostics.models import Diagnosis
from outbox.services import email_queue
from quotes.services import quote_create, ticket_bill
from tickets.fees import BillingMoment, Outcome, ticket_charge
from tickets.models import Ticket, TicketEvent
from tickets.notifications import DIAGNOSIS_CONCLUDED
from tickets.services import ticket_lock, ticket_record, tickets_ended_announce


@dataclass(frozen=True)
class QuoteSpec:
    lines: list[LineSpec]
    valid_days: int | None = None


_TRANSITION_BY_OUTCOME: dict[str, Callable[[Ticket], None]] = {
    Outcome.FIXED: Ticket.resolve_by_diagnosis,
    Outcome.PROVIDER_FAULT: Ticket.resolve_by_diagnosis,
    Outcome.QUOTED: Ticket.send_quote,
    Outcome.NO_QUOTE: Ticket.close_unfixed,
    Outcome.NO_COMPETENCE: Ticket.close_unfixed,
}


@transaction.atomic
def diagnosis_conclude(
    *, ticket: Ticket, findings: str, outcome: str, by, quote: QuoteSpec | None = None
) -> Diagnosis:
    """Conclude a diagnosis: the ticket moves as the outcome table says and is billed in the same transaction."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome.")]})
    if outcome == Outcome.QUOTED and quote is None:
        raise ValidationError({"quote": [_("A quoted outcome needs a quote.")]})
    if outcome != Outcome.QUOTED and quote is not None:
        raise ValidationError({"quote": [_("Only a quoted outcome carries a quote.")]})
    ticket = ticket_lock(ticket=ticket)
    transition = _TRANSITION_BY_OUTCOME[outcome]
    transition_save(ticket, transition)
    assert ticket.diagnosis_concluded_at is not None  # each of those transitions stamps it
    charge = ticket_charge(
        outcome=outcome,
        moment=BillingMoment.CONCLUDED,
        suspected_provider_fault=ticket.suspected_provider_fault,
        fee_free=bool(ticket.fee_free),
        fee_free_reason=ticket.fee_free_reason,
    )
    diagnosis = Diagnosis.objects.create(
        ticket=ticket,
        agent=by,
        findings=findings,
        outcome=outcome,
        fee_charged=charge.fee_due,
        fee_rule=charge.rule,
        concluded_at=ticket.diagnosis_concluded_at,
    )
    ticket_record(
        ticket=ticket,
        verb=TicketEvent.Verb.DIAGNOSIS_CONCLUDED,
        actor=by,
        outcome=outcome,
        fee_rule=charge.rule,
    )
    if ticket.status in Ticket.FINAL_STATES:  # resolved or closed; a quoted ticket waits for the customer
        tickets_ended_announce(ticket_ids=[ticket.pk])
    email_queue(kind=DIAGNOSIS_CONCLUDED, object_id=ticket.pk, customer_id=ticket.customer_id)  # after commit
    if quote is not None:
        created = quote_create(ticket=ticket, lines=quote.lines, valid_days=quote.valid_days)
        ticket_record(
            ticket=ticket,
            verb=TicketEvent.Verb.QUOTE_SENT,
            actor=by,
            quote=created.pk,
            gross=str(created.gross),
        )
    ticket_bill(
        ticket=ticket,
        outcome=outcome,
        moment=BillingMoment.CONCLUDED,
        service_date=timezone.localdate(ticket.diagnosis_concluded_at),
    )
    return diagnosis
