"""Reads of the consent scheme, always scoped by who asks: another account's rows are simply not there."""

from datetime import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from accounts.permissions import is_support
from accounts.selectors import scoped_to_account
from consent.models import (
    SCOPES_ALLOWING,
    AccessRequest,
    AuditEntry,
    ContactObligation,
    Intervention,
)
from tickets.models import Ticket


def access_requests_visible_to(*, user) -> QuerySet[AccessRequest]:
    """The customer sees its account's requests; support staff see all; anyone else none."""
    return scoped_to_account(
        AccessRequest.objects.select_related("ticket"),
        user=user,
        account="ticket__customer_id",
        staff=is_support,
    )


def access_requests_waiting_for(*, user) -> QuerySet[AccessRequest]:
    """The account's requests that wait for its decision, oldest first."""
    return (
        access_requests_visible_to(user=user)
        .filter(status=AccessRequest.State.PENDING)
        .select_related(None)
        .only("id", "ticket_id", "scope", "duration_hours")
        .order_by("id")
    )


def access_requests_of_ticket(*, ticket: Ticket) -> QuerySet[AccessRequest]:
    # The ticket's status decides whether a grant is still in force: one join, whatever the page size.
    return AccessRequest.objects.filter(ticket=ticket).select_related("ticket")


def access_grant_in_force(
    *, ticket: Ticket, action: str, now: datetime, lock: bool = False
) -> AccessRequest | None:
    """The grant that allows `action` on `ticket` now, the narrowest scope first; None when there is none.

    Compares `expires_at` with now and reads the ticket's status, so nothing depends on the sweep having run.
    """
    if ticket.status in Ticket.FINAL_STATES or action not in SCOPES_ALLOWING:
        return None
    grants = AccessRequest.objects.filter(
        ticket=ticket,
        status=AccessRequest.State.GRANTED,
        scope__in=SCOPES_ALLOWING[action],
        expires_at__gt=now,
    ).order_by(
        Case(When(scope=action, then=Value(0)), default=Value(1), output_field=IntegerField()), "-expires_at"
    )
    if lock:
        grants = grants.select_for_update()
    return grants.first()


def access_requests_lapsed(*, now: datetime) -> QuerySet[AccessRequest]:
    """Requests the sweep must mark expired: grants past their end, and anything open on an ended ticket."""
    return AccessRequest.objects.filter(
        Q(status=AccessRequest.State.GRANTED, expires_at__lte=now)
        | Q(
            status__in=(AccessRequest.State.PENDING, AccessRequest.State.GRANTED),
            ticket__status__in=Ticket.FINAL_STATES,
        )
    ).order_by("id")


def interventions_of_ticket(*, ticket: Ticket) -> QuerySet[Intervention]:
    return Intervention.objects.filter(ticket=ticket)


def audit_entries_visible_to(*, user) -> QuerySet[AuditEntry]:
    """The customer reads the log of its account's tickets; support staff read all of it."""
    return scoped_to_account(AuditEntry.objects.all(), user=user, account="customer_id", staff=is_support)


def audit_entries_filter(queryset: QuerySet[AuditEntry], filters: dict) -> QuerySet[AuditEntry]:
    for field in ("ticket", "event", "outcome", "action", "access_request"):
        if filters.get(field) is not None:
            queryset = queryset.filter(**{field: filters[field]})
    return queryset


def audit_chain_first_break(*, ticket_id: int) -> int | None:
    """The id of the first line of a ticket's log whose hash does not match its content or its predecessor."""
    previous = ""
    for entry in AuditEntry.objects.filter(ticket_id=ticket_id).order_by("id").iterator(chunk_size=500):
        if entry.previous_hash != previous or entry.compute_hash() != entry.entry_hash:
            return entry.pk
        previous = entry.entry_hash
    return None


def contact_obligations_visible_to(*, user) -> QuerySet[ContactObligation]:
    """Contact obligations are the provider's work list: support staff only."""
    if not is_support(user):
        return ContactObligation.objects.none()
    return ContactObligation.objects.prefetch_related("contacts")


def ticket_contact_pending() -> Exists:
    """True while the provider owes the ticket's customer a contact (ask before access, tell after an
    emergency): a probe of the index of open obligations, for each ticket of a staff list."""
    return Exists(ContactObligation.objects.filter(ticket=OuterRef("pk"), resolved_at__isnull=True))


def contact_obligations_filter(
    queryset: QuerySet[ContactObligation], filters: dict
) -> QuerySet[ContactObligation]:
    if filters.get("ticket") is not None:
        queryset = queryset.filter(ticket_id=filters["ticket"])
    if filters.get("open") is not None:
        queryset = queryset.filter(resolved_at__isnull=filters["open"])
    return queryset
