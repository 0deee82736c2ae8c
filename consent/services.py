"""Consent for work on customer data: access requests, grants, interventions, the audit log, contacts.

Every use case locks the ticket row first, then the access request (the order quotes use too, so no
deadlock), applies at most one transition, writes the ticket's history and one audit line. Holding the
ticket lock is also what keeps each ticket's audit hash chain linear.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.permissions import is_customer
from config.errors import CodedPermissionDenied, ConsentRequired, InvalidTransition
from config.transitions import transition_save
from consent import selectors
from consent.models import (
    EMERGENCY_ACTIONS,
    GRANT_MAX_HOURS,
    SCOPES_ALLOWING,
    AccessRequest,
    AuditEntry,
    ContactObligation,
    CustomerContact,
    DataAction,
    Intervention,
)
from consent.notifications import EMAIL_KIND_BY_OBLIGATION
from outbox.services import email_queue
from tickets.models import StaffNotice, Ticket, TicketEvent
from tickets.services import staff_notify, ticket_lock, ticket_record


def audit_append(
    *,
    ticket: Ticket,
    event: str,
    action: str,
    at: datetime,
    by=None,
    outcome: str = AuditEntry.Outcome.DONE,
    access_request: AccessRequest | None = None,
    intervention: Intervention | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append one line to the ticket's audit chain; the caller holds the ticket's row lock."""
    previous = (
        AuditEntry.objects.filter(ticket_id=ticket.pk)
        .order_by("-id")
        .values_list("entry_hash", flat=True)
        .first()
    )
    entry = AuditEntry(
        at=at.astimezone(UTC),
        event=event,
        outcome=outcome,
        action=action,
        actor=by,
        actor_role=by.role if by is not None else AuditEntry.SYSTEM,
        customer_id=ticket.customer_id,
        ticket=ticket,
        access_request=access_request,
        intervention=intervention,
        detail=detail,
        previous_hash=previous or "",
    )
    entry.entry_hash = entry.compute_hash()
    entry.save()
    return entry


def _obligation_open(ticket: Ticket, kind: str, *, at: datetime, **cause) -> None:
    """The customer is owed a contact about `cause`: it is on the ticket page at once, and the e-mail that
    meets the obligation follows after commit."""
    obligation = ContactObligation.objects.create(ticket=ticket, kind=kind, created_at=at, **cause)
    _contact_add(obligation, channel=CustomerContact.Channel.TICKET_PAGE, at=at)
    # The outbox: the row is written in this transaction and sent after commit; its hourly sweep
    # sends what a broker outage held back. receivers.py records the contact once the e-mail has gone.
    email_queue(kind=EMAIL_KIND_BY_OBLIGATION[kind], object_id=obligation.pk, customer_id=ticket.customer_id)


def _contact_add(
    obligation: ContactObligation, *, channel: str, at: datetime, recipients: int = 0, **recorded
) -> CustomerContact:
    """One contact with the customer; one that reached someone meets the obligation if it is still open."""
    contact = CustomerContact.objects.create(
        obligation=obligation, channel=channel, at=at, recipients=recipients, **recorded
    )
    if obligation.is_open and recipients:
        obligation.resolved_at, obligation.resolution = at, ContactObligation.Resolution.CONTACTED
        obligation.save(update_fields=["resolved_at", "resolution"])
    return contact


def _lock(access_request: AccessRequest) -> tuple[Ticket, AccessRequest]:
    ticket = ticket_lock(ticket=Ticket(pk=access_request.ticket_id))
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    locked.ticket = ticket
    return ticket, locked


def _refuse_if_ticket_ended(ticket: Ticket) -> None:
    if ticket.status in Ticket.FINAL_STATES:
        raise InvalidTransition(_("The ticket has ended, and every access to data with it."))


def _require_account_user(ticket: Ticket, by) -> None:
    if not (is_customer(by) and by.customer_id == ticket.customer_id):
        raise CodedPermissionDenied(_("Only a user of the ticket's account decides on access to its data."))


def _resolve_obligation(access_request: AccessRequest, *, resolution: str, at: datetime) -> None:
    ContactObligation.objects.filter(access_request=access_request, resolved_at__isnull=True).update(
        resolved_at=at, resolution=resolution
    )


@transaction.atomic
def access_request_create(
    *, ticket: Ticket, scope: str, reason: str, duration_hours: int, by
) -> AccessRequest:
    """Staff must ask before any access to data: one ticket, one scope, 1 to 72 hours once granted."""
    if scope not in AccessRequest.Scope.values:
        raise ValidationError({"scope": [_("Unknown scope.")]})
    if not 1 <= duration_hours <= GRANT_MAX_HOURS:
        raise ValidationError({"duration_hours": [_("A grant lasts from 1 to 72 hours.")]})
    ticket = ticket_lock(ticket=ticket)
    _refuse_if_ticket_ended(ticket)
    now = timezone.now()
    request = AccessRequest.objects.create(
        ticket=ticket,
        scope=scope,
        reason=reason,
        duration_hours=duration_hours,
        requested_by=by,
        requested_at=now,
    )
    _record_access(
        ticket, request, event="requested", at=now, by=by, detail=reason, duration_hours=duration_hours
    )
    _obligation_open(ticket, ContactObligation.Kind.ASK_BEFORE_ACCESS, at=now, access_request=request)
    return request


def _record_access(
    ticket: Ticket,
    access_request: AccessRequest,
    *,
    event: str,
    at: datetime,
    by=None,
    detail: str = "",
    **history,
) -> None:
    """The ticket's history line and the audit line of one step of an access request.

    The history's event names are the audit events' names without their `access_` prefix.
    """
    ticket_record(
        ticket=ticket,
        verb=TicketEvent.Verb.ACCESS,
        actor=by,
        event=event,
        access_request=access_request.pk,
        scope=access_request.scope,
        **history,
    )
    audit_append(
        ticket=ticket,
        event=AuditEntry.Event(f"access_{event}"),
        action=access_request.scope,
        at=at,
        by=by,
        access_request=access_request,
        detail=detail,
    )


def _customer_decides(
    access_request: AccessRequest, *, by, decide, event: str, answers: bool = True
) -> AccessRequest:
    """The account's answer to a request (`answers`), or its withdrawal of a grant; `decide` is the transition."""
    ticket, access_request = _lock(access_request)
    _require_account_user(ticket, by)
    _refuse_if_ticket_ended(ticket)
    now = timezone.now()
    transition_save(access_request, decide, by=by, at=now)
    history = {}
    if access_request.status == AccessRequest.State.GRANTED:
        granted_until = access_request.expires_at
        assert granted_until is not None  # granting sets it
        history["expires_at"] = granted_until.isoformat()
    if answers:
        _resolve_obligation(access_request, resolution=ContactObligation.Resolution.ANSWERED, at=now)
    _record_access(ticket, access_request, event=event, at=now, by=by, **history)
    return access_request


@transaction.atomic
def access_request_grant(*, access_request: AccessRequest, by) -> AccessRequest:
    """Only a user of the ticket's account grants; the grant runs from now for the hours asked."""
    access_request = _customer_decides(access_request, by=by, decide=AccessRequest.grant, event="granted")
    staff_notify(ticket=access_request.ticket, event=StaffNotice.Event.ACCESS_GRANTED, by=by)
    return access_request


@transaction.atomic
def access_request_deny(*, access_request: AccessRequest, by) -> AccessRequest:
    """Only a user of the ticket's account denies; a denied request can never be granted afterwards."""
    return _customer_decides(access_request, by=by, decide=AccessRequest.deny, event="denied")


@transaction.atomic
def access_request_revoke(*, access_request: AccessRequest, by) -> AccessRequest:
    """The account withdraws a grant in force; it takes effect on the very next request, never to return."""
    return _customer_decides(
        access_request, by=by, decide=AccessRequest.revoke, event="revoked", answers=False
    )


@transaction.atomic
def access_request_expire(*, access_request: AccessRequest, now: datetime | None = None) -> AccessRequest:
    """A grant ends by itself when its time runs out or its ticket ends; an unanswered request with its ticket."""
    ticket, access_request = _lock(access_request)
    now = now or timezone.now()
    ticket_over = ticket.status in Ticket.FINAL_STATES
    # Only a grant runs out by time: granting it set its end.
    expires_at = access_request.expires_at if access_request.status == AccessRequest.State.GRANTED else None
    time_over = expires_at is not None and expires_at <= now
    if not (ticket_over or time_over):
        raise InvalidTransition(_("This access request has not run out."))
    ends = [
        moment
        for moment, applies in ((expires_at, time_over), (ticket.ended_at or now, ticket_over))
        if applies and moment is not None
    ]
    cause = "time_ran_out" if time_over and min(ends) == expires_at else "ticket_ended"
    transition_save(access_request, AccessRequest.expire, at=min(ends))
    _resolve_obligation(access_request, resolution=ContactObligation.Resolution.MOOT, at=now)
    _record_access(ticket, access_request, event="expired", at=now, detail=cause, cause=cause)
    return access_request


def _expire_each(queryset, *, now: datetime) -> int:
    expired = 0
    for access_request in queryset.only("id", "ticket_id"):
        try:
            access_request_expire(access_request=access_request, now=now)
        except TransitionNotAllowed:
            continue  # the customer revoked it, or another sweep got there first: nothing left to do
        expired += 1
    return expired


def access_requests_expire_due(*, now: datetime | None = None) -> int:
    """The periodic sweep: mark expired every grant past its end and every request of an ended ticket."""
    now = now or timezone.now()
    return _expire_each(selectors.access_requests_lapsed(now=now), now=now)


def access_requests_end_with_tickets(*, ticket_ids: list[int]) -> int:
    """Right after tickets end, their grants and unanswered requests end with them (one transaction may
    end one ticket, or a sweep thousands at once)."""
    now = timezone.now()
    return _expire_each(selectors.access_requests_lapsed(now=now).filter(ticket_id__in=ticket_ids), now=now)


def intervention_perform(*, ticket: Ticket, action: str, description: str, by) -> Intervention:
    """Work on data needs a grant in force for it, else 403 and the refusal is logged; emergencies need none.

    After an emergency action the customer is told at once: on the ticket page now, by e-mail after commit.
    """
    if action not in DataAction.values:
        raise ValidationError({"action": [_("Unknown action.")]})
    with transaction.atomic():
        intervention = _intervention_perform_locked(
            ticket=ticket, action=action, description=description, by=by
        )
    if intervention is None:
        # Raised outside the atomic block so that the audit line of the refusal commits.
        raise ConsentRequired()
    return intervention


def _intervention_perform_locked(*, ticket: Ticket, action: str, description: str, by) -> Intervention | None:
    # The ticket lock, then the grant's: a revocation committing now is seen, or waits for this one to end.
    ticket = ticket_lock(ticket=ticket)
    now = timezone.now()
    # The attempt's audit line, whether it is refused or done.
    audit = {"ticket": ticket, "event": AuditEntry.Event.INTERVENTION, "action": action, "at": now, "by": by}
    grant = None
    if action in SCOPES_ALLOWING:
        grant = selectors.access_grant_in_force(ticket=ticket, action=action, now=now, lock=True)
        if grant is None:
            audit_append(**audit, outcome=AuditEntry.Outcome.REFUSED, detail=description)
            return None
    else:
        # An emergency action on an ended ticket is not a follow-up of anything: it needs a ticket of its own.
        _refuse_if_ticket_ended(ticket)
    intervention = Intervention.objects.create(
        ticket=ticket, action=action, description=description, agent=by, performed_at=now, consent=grant
    )
    ticket_record(
        ticket=ticket,
        verb=TicketEvent.Verb.INTERVENTION,
        actor=by,
        action=action,
        intervention=intervention.pk,
        consent=grant.pk if grant else None,
    )
    audit_append(**audit, access_request=grant, intervention=intervention, detail=description)
    if action in EMERGENCY_ACTIONS:
        _obligation_open(
            ticket, ContactObligation.Kind.TELL_AFTER_EMERGENCY, at=now, intervention=intervention
        )
    return intervention


def contact_obligation_emailed(*, obligation_id: int, at: datetime, recipients: int) -> CustomerContact:
    """An e-mail about an obligation has gone: record the contact; if it reached someone, the obligation is met.

    Runs in the outbox's sending transaction, so the contact is recorded exactly when the e-mail is.
    """
    obligation = ContactObligation.objects.select_for_update().get(pk=obligation_id)
    # An account with no active user got nothing: the obligation stays open, the queue shows it, staff phone.
    return _contact_add(obligation, channel=CustomerContact.Channel.EMAIL, at=at, recipients=recipients)


@transaction.atomic
def contact_record(*, obligation: ContactObligation, channel: str, note: str, by) -> CustomerContact:
    """Staff record a contact made outside the app (a phone call, a personal e-mail); it meets the obligation."""
    if channel not in (CustomerContact.Channel.PHONE, CustomerContact.Channel.EMAIL):
        raise ValidationError(
            {"channel": [_("Staff record phone calls and e-mails; the app writes the rest.")]}
        )
    ticket = ticket_lock(ticket=Ticket(pk=obligation.ticket_id))
    obligation = ContactObligation.objects.select_for_update().get(pk=obligation.pk)
    contact = _contact_add(
        obligation, channel=channel, at=timezone.now(), recipients=1, recorded_by=by, note=note
    )
    ticket_record(
        ticket=ticket,
        verb=TicketEvent.Verb.NOTE,
        actor=by,
        public=False,
        contact=contact.pk,
        channel=channel,
        obligation=obligation.pk,
    )
    return contact
