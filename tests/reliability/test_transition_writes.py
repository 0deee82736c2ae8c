"""Each transition's `@writes` says exactly what it sets: the services save those fields and the sweeps
write those columns for a whole chunk, so a field a transition sets but does not declare would be lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer, User
from billing.models import Invoice, Refund
from config.transitions import written_by
from consent.models import AccessRequest
from quotes.models import Quote
from tickets.models import Ticket

NOW = timezone.now()
BY = User(pk=7)
TODAY = timezone.localdate()


def invoice(status=Invoice.State.OPEN):
    return Invoice(status=status, closed_at=None if status == Invoice.State.OPEN else NOW)


def customer(status=Customer.SupportStatus.ACTIVE):
    banned = status == Customer.SupportStatus.BANNED
    return Customer(
        support_status=status, banned_at=NOW if banned else None, ban_reason="x" if banned else ""
    )


def ticket(status=Ticket.State.OPEN, kind=Ticket.Kind.INCIDENT):
    # As an open ticket is: a response target due (the inbox's key), which a response or an end clears.
    return Ticket(status=status, kind=kind, sla_next_due_at=NOW + timedelta(hours=4))


def quote(valid_until):
    return Quote(status=Quote.State.SENT, valid_until=valid_until)


def access_request(status=AccessRequest.State.PENDING):
    return AccessRequest(
        status=status,
        duration_hours=2,
        expires_at=NOW + timedelta(hours=1) if status == AccessRequest.State.GRANTED else None,
    )


# (a row in the transition's source state, the transition, its arguments): every transition of the
# models whose services save or bulk-write what their transitions set.
TRANSITIONS = [
    (invoice, Invoice.mark_paid, {"at": NOW}),
    (lambda: invoice(Invoice.State.PAID), Invoice.reopen, {}),
    (invoice, Invoice.refuse, {"at": NOW}),
    (invoice, Invoice.lapse, {"at": NOW}),
    (customer, Customer.ban, {"reason": "unpaid_invoice", "at": NOW}),
    (lambda: customer(Customer.SupportStatus.BANNED), Customer.reinstate, {}),
    (ticket, Ticket.cancel, {"at": NOW}),
    (ticket, Ticket.claim, {"agent": BY}),
    (ticket, Ticket.start_diagnosis, {"agent": BY}),
    (lambda: ticket(Ticket.State.DIAGNOSING), Ticket.resolve_by_diagnosis, {}),
    (lambda: ticket(Ticket.State.DIAGNOSING), Ticket.send_quote, {}),
    (lambda: ticket(Ticket.State.DIAGNOSING), Ticket.close_unfixed, {}),
    (lambda: ticket(Ticket.State.QUOTE_SENT), Ticket.start_work, {}),
    (lambda: ticket(Ticket.State.QUOTE_SENT), Ticket.close_without_work, {}),
    (lambda: ticket(Ticket.State.IN_WORK), Ticket.complete_work, {"report": "Done."}),
    (lambda: ticket(kind=Ticket.Kind.TECHNICAL), Ticket.answer_and_close, {"answer": "Yes.", "agent": BY}),
    (lambda: quote(TODAY), Quote.accept, {"by": BY}),
    (lambda: quote(TODAY), Quote.decline, {"by": BY}),
    (lambda: quote(TODAY - timedelta(days=1)), Quote.expire, {}),
    (access_request, AccessRequest.grant, {"by": BY, "at": NOW}),
    (access_request, AccessRequest.deny, {"by": BY, "at": NOW}),
    (lambda: access_request(AccessRequest.State.GRANTED), AccessRequest.revoke, {"by": BY, "at": NOW}),
    (access_request, AccessRequest.expire, {"at": NOW}),
    (lambda: Refund(status=Refund.State.OWED), Refund.mark_refunded, {"reference": "T", "at": NOW, "by": BY}),
]


def values(row):
    return {field.name: getattr(row, field.attname) for field in row._meta.concrete_fields}


@pytest.mark.parametrize(
    ("source", "transition", "arguments"),
    TRANSITIONS,
    ids=[f"{t.__qualname__}" for _s, t, _a in TRANSITIONS],
)
def test_a_transition_sets_exactly_the_fields_it_declares(source, transition, arguments):
    row = source()
    before = values(row)
    transition(row, **arguments)
    after = values(row)
    declared = set(written_by(transition))
    if transition is Ticket.claim:  # open → open: the state is saved, unchanged
        declared.discard("status")
    assert {name for name in after if after[name] != before[name]} == declared


@pytest.mark.parametrize("model", [Invoice, Customer, Ticket, Quote, AccessRequest, Refund])
def test_every_transition_of_the_model_is_held_to_its_declaration(model):
    transitions = {name for name, attribute in vars(model).items() if hasattr(attribute, "_django_fsm")}
    held = {t.__name__ for _s, t, _a in TRANSITIONS if t.__qualname__.startswith(f"{model.__name__}.")}
    assert transitions == held
