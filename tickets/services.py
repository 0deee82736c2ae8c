"""Ticket use cases. Each locks the ticket row, applies one transition and writes the history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import Service
from billing.notifications import email_queue
from billing.pricing import diagnosis_fee_for
from config.errors import SupportBanned
from tickets.models import Message, Ticket, TicketEvent
from tickets.notifications import TICKET_OPENED


def ticket_lock(*, ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock: a concurrent actor waits, then sees the new state."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def ticket_record(*, ticket: Ticket, verb: str, actor=None, public: bool = True, **detail) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, actor=actor, verb=verb, public=public, detail=detail)


def ticket_open(
    *,
    by,
    kind: str,
    subject: str,
    description: str,
    service: Service | None = None,
    suspected_provider_fault: bool = False,
    accept_diagnosis_fee: bool = False,
) -> Ticket:
    """Open a ticket for the caller's account. An incident carries the fee shown now, once accepted."""
    customer = by.customer
    if customer.is_banned:
        raise SupportBanned()
    if kind == Ticket.Kind.INCIDENT and not accept_diagnosis_fee:
        raise ValidationError(
            {"accept_diagnosis_fee": [_("An incident needs the diagnosis fee to be seen and accepted.")]}
        )
    if service is not None and service.customer_id != customer.pk:
        raise ValidationError({"service": [_("This service does not belong to your account.")]})
    now = timezone.now()
    fee = diagnosis_fee_for(country=customer.country, at=now) if kind == Ticket.Kind.INCIDENT else None
    with transaction.atomic():
        ticket = Ticket.objects.create(
            customer=customer,
            opened_by=by,
            kind=kind,
            subject=subject,
            description=description,
            service=service,
            suspected_provider_fault=suspected_provider_fault,
            created_at=now,
            **(_fee_fields(fee) if fee else {}),
        )
        ticket_record(ticket=ticket, verb=TicketEvent.Verb.OPENED, actor=by,
                      fee_gross=str(fee.gross) if fee else None, fee_free=fee.free if fee else None)
        email_queue(kind=TICKET_OPENED, object_id=ticket.pk, customer_id=customer.pk)  # sent after commit
    return ticket


def _fee_fields(fee) -> dict:
    return {
        "fee_currency": fee.currency,
        "fee_net": fee.net,
        "fee_vat_rate": fee.vat_rate,
        "fee_vat": fee.vat,
        "fee_gross": fee.gross,
        "fee_free": fee.free,
        "fee_free_reason": fee.free_reason or "",
    }


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, by=None, reason: str = "") -> Ticket:
    """The customer withdraws a ticket nobody has started on; it costs nothing."""
    ticket = ticket_lock(ticket=ticket)
    ticket.cancel()
    ticket.save()
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.CANCELLED, actor=by, reason=reason)
    return ticket


def tickets_cancel_for_ban(*, customer) -> int:
    """A banned account's tickets nobody has started on are cancelled at no charge; started ones run to their end."""
    cancelled = 0
    for ticket in Ticket.objects.filter(customer=customer, status=Ticket.State.OPEN).order_by("id"):
        try:
            ticket_cancel(ticket=ticket, reason="support_banned")
        except TransitionNotAllowed:
            continue  # an agent started its diagnosis a moment ago: it runs to its end
        cancelled += 1
    return cancelled


@transaction.atomic
def ticket_start_diagnosis(*, ticket: Ticket, by) -> Ticket:
    """An agent takes an open incident; from now on the customer's fee is engaged."""
    ticket = ticket_lock(ticket=ticket)
    ticket.start_diagnosis(agent=by)
    ticket.save()
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.DIAGNOSIS_STARTED, actor=by)
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, answer: str, by) -> Ticket:
    """Staff answer a question ticket (technical, commercial, SLA claim) and close it."""
    ticket = ticket_lock(ticket=ticket)
    ticket.answer_and_close(answer=answer, agent=by)
    ticket.save()
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.CLOSED, actor=by)
    return ticket


@transaction.atomic
def message_post(*, ticket: Ticket, author, body: str) -> Message:
    """Messages may be written in any state: a closed ticket can still be talked about."""
    message = Message.objects.create(ticket=ticket, author=author, body=body)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.MESSAGE, actor=author, message=message.pk)
    return message


def ticket_note_add(*, ticket: Ticket, author, body: str) -> TicketEvent:
    """Staff notes are part of the history the customer never sees."""
    return ticket_record(ticket=ticket, verb=TicketEvent.Verb.NOTE, actor=author, public=False, body=body)
