from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_staff_member, is_support
from accounts.selectors import scoped_to_account
from config.filtering import filter_by
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tickets.search import tickets_search

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OPEN_STATES = (Ticket.State.OPEN, Ticket.State.DIAGNOSING, Ticket.State.QUOTE_SENT, Ticket.State.IN_WORK)


def tickets_visible_to(*, user) -> QuerySet[Ticket]:
    """Customers see their account's tickets; support staff see all. Finance sees none (billing only)."""
    return scoped_to_account(Ticket.objects.all(), user=user, account="customer_id", staff=is_support)


@dataclass(frozen=True)
class StaffListFlag:
    """A yes/no fact about each ticket that an app above tickets knows, shown on every staff list."""

    name: str  # the annotation, and the field of the API's queue
    expression: Callable[[], Expression]  # built for each query, e.g. an Exists over ticket=OuterRef("pk")
    label: "StrOrPromise"  # the badge a portal row shows while it is true
    help_text: str  # the API field's description


_STAFF_LIST_FLAGS: dict[str, StaffListFlag] = {}


def staff_list_flag(
    name: str, expression: Callable[[], Expression], *, label: "StrOrPromise", help_text: str
) -> None:
    """Show `name` on every staff list (the portal's queue, mine and all, and the API's queue); called once
    by the app that owns the fact, in its AppConfig.ready(), so tickets imports nothing of it."""
    if name in _STAFF_LIST_FLAGS:
        raise ValueError(f"the staff lists already show {name!r}")
    _STAFF_LIST_FLAGS[name] = StaffListFlag(name, expression, label, help_text)


def staff_list_flags() -> tuple[StaffListFlag, ...]:
    return tuple(_STAFF_LIST_FLAGS.values())


def with_staff_list_flags(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.annotate(**{flag.name: flag.expression() for flag in _STAFF_LIST_FLAGS.values()})


@dataclass(frozen=True)
class CustomerDecision:
    """Something waiting for the customer's decision that an app above tickets knows (an access request to
    its data...): the dashboard gives it a card and the ticket page a notice, each linking to where it is
    decided."""

    name: str
    pending: Callable[..., QuerySet]  # pending(user=...): the rows waiting, each with its ticket_id
    describe: Callable[[Any], "StrOrPromise"]  # one row, in words
    title: "StrOrPromise"  # the dashboard card's title
    notice: "StrOrPromise"  # the ticket page's notice
    url_name: str  # the page where it is decided, reversed with the ticket's id


_CUSTOMER_DECISIONS: dict[str, CustomerDecision] = {}


def customer_decision(decision: CustomerDecision) -> None:
    """Show `decision` on the customer's dashboard and ticket pages; called once by the app that owns it, in
    its AppConfig.ready(), so tickets imports nothing of it."""
    if decision.name in _CUSTOMER_DECISIONS:
        raise ValueError(f"the customer's pages already show {decision.name!r}")
    _CUSTOMER_DECISIONS[decision.name] = decision


def customer_decisions() -> tuple[CustomerDecision, ...]:
    return tuple(_CUSTOMER_DECISIONS.values())


def tickets_queue(*, filters: dict | None = None) -> QuerySet[Ticket]:
    """The diagnosis queue: incidents still waiting for or under diagnosis, oldest first."""
    # Ordered before the filters: a search probes the list's first rows in the list's order.
    queryset = Ticket.objects.filter(
        kind=Ticket.Kind.INCIDENT, status__in=(Ticket.State.OPEN, Ticket.State.DIAGNOSING)
    ).order_by("id")
    return with_staff_list_flags(tickets_filter(queryset, filters or {}))


# What waits for the support staff: tickets nobody answered yet (every kind), diagnoses under way, work
# under way. A quote sent waits for the customer, not for us.
INBOX_STATES = (Ticket.State.OPEN, Ticket.State.DIAGNOSING, Ticket.State.IN_WORK)


def tickets_inbox(*, filters: dict | None = None) -> QuerySet[Ticket]:
    """The agents' landing list: every ticket that waits for the support staff, by time left to its next
    response target (the breached ones first, the latest the longest), then those with no target pending,
    the oldest first; its filters (kind, status...) narrow it like any staff list. A keyset on
    (sla_next_due_at, id), read from ticket_inbox_sla_idx."""
    queryset = Ticket.objects.filter(status__in=INBOX_STATES).order_by("sla_next_due_at", "id")
    return with_staff_list_flags(tickets_filter(queryset, filters or {}))  # ordered first: as the queue


def sla_breached(*, now) -> Q:
    """Tickets whose first response or diagnosis start came after its due time, or has not come and is
    late now (or never came before the ticket ended)."""
    late_pending = Q(sla_next_due_at__lt=now)
    late_response = Q(first_responded_at__gt=F("first_response_due_at")) | Q(
        first_responded_at__isnull=True, ended_at__gt=F("first_response_due_at")
    )
    late_start = Q(diagnosis_started_at__gt=F("diagnosis_due_at")) | Q(
        diagnosis_started_at__isnull=True, ended_at__gt=F("diagnosis_due_at")
    )
    return late_pending | late_response | late_start


def staff_counters(*, user) -> dict[str, int]:
    """The staff menu's counts, in one query: `inbox`, the tickets waiting for the support staff (what
    `tickets_inbox` lists), and `mine_waiting`, the tickets `user` holds that wait for them: the customer
    acted last (opened it, wrote, granted access, accepted the quote) and no staff member has acted on the
    ticket since (`Ticket.waiting_since`).

    Each count is a subquery of that one query, read from its own index alone (ticket_status_idx, and the
    partial ticket_waiting_for_staff_idx), where one conditional aggregation over the rows of either count
    reads every inbox row from the table: 1.5 ms against 11 to 20 ms at 200,000 tickets (seed_scale 0.2).
    """
    counts = (
        User.objects.filter(pk=user.pk)  # one row to carry them
        .values(
            inbox=_count(Ticket.objects.filter(status__in=INBOX_STATES)),
            mine_waiting=_count(Ticket.objects.filter(assignee_id=user.pk, waiting_since__isnull=False)),
        )
        .get()
    )
    return {"inbox": counts["inbox"], "mine_waiting": counts["mine_waiting"]}


def _count(queryset: QuerySet) -> Subquery:
    # COUNT as a plain function, not an aggregate: no GROUP BY, one row whatever the table holds.
    return Subquery(queryset.order_by().values(n=Func("pk", function="COUNT")), output_field=IntegerField())


def tickets_for_staff(*, user, filters: dict) -> QuerySet[Ticket]:
    """The tickets `user` sees, filtered, newest first, as every staff list shows them."""
    return with_staff_list_flags(tickets_filter(tickets_visible_to(user=user), filters)).order_by("-id")


def tickets_filter(queryset: QuerySet[Ticket], filters: dict) -> QuerySet[Ticket]:
    queryset = filter_by(
        queryset, filters, {"status": "status", "kind": "kind", "country": "customer__country"}
    )
    if filters.get("suspected_provider_fault") is not None:
        queryset = queryset.filter(suspected_provider_fault=filters["suspected_provider_fault"])
    if filters.get("assignee") is not None:
        queryset = queryset.filter(assignee_id=filters["assignee"])
    if filters.get("unassigned"):
        queryset = queryset.filter(assignee__isnull=True)
    if filters.get("waiting"):
        queryset = queryset.filter(waiting_since__isnull=False)
    if filters.get("breached"):
        queryset = queryset.filter(sla_breached(now=timezone.now()))
    if filters.get("q"):
        queryset = tickets_search(queryset, filters["q"])
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
