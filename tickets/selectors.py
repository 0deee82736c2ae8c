from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from accounts.permissions import is_customer, is_staff_member, is_support
from tickets.models import Attachment, Message, Ticket, TicketEvent

OPEN_STATES = (Ticket.State.OPEN, Ticket.State.DIAGNOSING, Ticket.State.QUOTE_SENT, Ticket.State.IN_WORK)


def tickets_visible_to(*, user) -> QuerySet[Ticket]:
    """Customers see their account's tickets; support staff see all. Finance sees none (billing only)."""
    if is_support(user):
        return Ticket.objects.all()
    if is_customer(user):
        return Ticket.objects.filter(customer_id=user.customer_id)
    return Ticket.objects.none()


def tickets_queue(*, filters: dict | None = None) -> QuerySet[Ticket]:
    """The diagnosis queue: incidents still waiting for or under diagnosis, oldest first."""
    queryset = Ticket.objects.filter(
        kind=Ticket.Kind.INCIDENT, status__in=(Ticket.State.OPEN, Ticket.State.DIAGNOSING)
    )
    return tickets_filter(queryset, filters or {}).annotate(contact_pending=_contact_pending()).order_by("id")


def _contact_pending() -> Exists:
    """True while the provider owes the customer a contact (ask before access, tell after an emergency).

    The obligations belong to diagnostics, above tickets: reached through the reverse relation by name, so
    tickets imports nothing of diagnostics.
    """
    # Both conditions in one filter() act on one join; `id__isnull=False` keeps tickets without any out.
    return Exists(
        Ticket.objects.filter(
            pk=OuterRef("pk"),
            contact_obligations__id__isnull=False,
            contact_obligations__resolved_at__isnull=True,
        )
    )


def tickets_filter(queryset: QuerySet[Ticket], filters: dict) -> QuerySet[Ticket]:
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("country"):
        queryset = queryset.filter(customer__country=filters["country"])
    if filters.get("suspected_provider_fault") is not None:
        queryset = queryset.filter(suspected_provider_fault=filters["suspected_provider_fault"])
    if filters.get("assignee") is not None:
        queryset = queryset.filter(assignee_id=filters["assignee"])
    if filters.get("unassigned"):
        queryset = queryset.filter(assignee__isnull=True)
    return queryset


def ticket_events_for(*, ticket: Ticket, user) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor").order_by("id")
    if is_staff_member(user):
        return events
    return events.filter(public=True)


def ticket_messages(*, ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author").order_by("id")


def ticket_thread(*, ticket: Ticket) -> Sequence[Message]:
    """The ticket's messages, oldest first, each knowing whether it has attachments, and with them.

    Most threads have no attachment at all: the query that fetched them found nothing on almost every
    view of a ticket page. Each message says whether it has any (an index probe in the same query), and
    the attachments are fetched, in one more query, only for a thread where one has.
    """
    messages = list(
        ticket_messages(ticket=ticket).annotate(
            has_attachments=Exists(Attachment.objects.filter(message=OuterRef("pk")))
        )
    )
    if any(message.has_attachments for message in messages):
        prefetch_related_objects(
            messages, Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    return messages
