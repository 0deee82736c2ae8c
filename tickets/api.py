import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import ForeignObjectRel, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import idempotent
from accounts.models import Service
from accounts.permissions import IsCustomer, IsCustomerOrSupport, IsSupport
from billing.api import FeeOutput
from config.filtering import FilteredListApi
from config.pagination import KeysetCursorPagination, OldestFirstCursorPagination
from config.ratelimit import rate_limited
from config.routing import route
from config.serializers import (
    CompiledSerializer,
    id_field,
    object_named,
    optional_boolean,
    text_field,
    valid_input,
)
from tickets import selectors, services
from tickets.models import Ticket, TicketInvoice
from tickets.search import QUERY_MAX_LENGTH


class SlaOutput(serializers.Serializer):
    """The ticket's response targets (tickets/sla.py), in business hours of the customer's country from
    the opening: the first response by the staff (a message, the diagnosis started or the closing answer)
    and, for an incident, the start of the diagnosis."""

    first_response_due_at = serializers.DateTimeField(source="first_response.due_at", allow_null=True)
    first_responded_at = serializers.DateTimeField(source="first_response.met_at", allow_null=True)
    first_response_breached = serializers.BooleanField(
        allow_null=True, help_text="Met after its due time, or still unmet past it; null without the target."
    )
    diagnosis_start_due_at = serializers.DateTimeField(
        source="diagnosis_start.due_at", allow_null=True, help_text="Incidents only."
    )
    diagnosis_started_at = serializers.DateTimeField(source="diagnosis_start.met_at", allow_null=True)
    diagnosis_start_breached = serializers.BooleanField(allow_null=True)
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="The next target still to meet; null when none."
    )
    seconds_left = serializers.IntegerField(
        allow_null=True, help_text="Until `due_at`, negative once it has passed; null when nothing is due."
    )
    breached = serializers.BooleanField(help_text="A target was or is missed.")


class TicketOutput(CompiledSerializer):
    """A ticket as the contract shows it, declared once; its diagnosis and its quote are parts.

    The apps above tickets own those parts (diagnostics its diagnosis, quotes its quote) and add them with
    `ticket_output_part` when they are ready, so the representation has one declaration and tickets
    imports nothing of them. The parts come before `invoices`.
    """

    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices)
    subject = serializers.CharField()
    description = serializers.CharField()
    service = serializers.IntegerField(source="service_id", allow_null=True)
    suspected_provider_fault = serializers.BooleanField()
    # The known provider incident that explains it (GET /status/incidents/), or null.
    provider_incident = serializers.IntegerField(source="provider_incident_id", allow_null=True)
    outage_started_at = serializers.DateTimeField(
        allow_null=True, help_text="An SLA claim's period of unavailability, as claimed; null otherwise."
    )
    outage_ended_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=Ticket.State.choices)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    created_at = serializers.DateTimeField()
    # The fee as shown and accepted at opening, fixed for the ticket; null for questions.
    diagnosis_fee = FeeOutput(allow_null=True)
    sla = SlaOutput()
    invoices = serializers.ListField(child=serializers.IntegerField(), source="invoice_ids")

    def get_fields(self):
        fields = {}
        for name, field in super().get_fields().items():
            if name == "invoices":
                # By name, so that the order does not depend on which app was ready first.
                parts = sorted(_TICKET_PARTS.values(), key=lambda part: part.name)
                fields.update((part.name, copy.deepcopy(part.field)) for part in parts)
            fields[name] = field
        return fields


@dataclass(frozen=True)
class TicketPart:
    name: str  # the field's name, and the reverse one-to-one relation it reads
    field: serializers.Field
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()


_TICKET_PARTS: dict[str, TicketPart] = {}


def ticket_output_part(
    name: str,
    output: type[serializers.Serializer],
    *,
    select_related: Iterable[str] = (),
    prefetch_related: Iterable[str] = (),
) -> None:
    """Add `name` (a reverse one-to-one of Ticket, e.g. its diagnosis) to the ticket's representation as
    `output`, null while the ticket has none; called once by the app that owns it, in its AppConfig.ready().

    The part is joined; `select_related` and `prefetch_related` name what `output` reads below it, from the
    part (`lines` for a quote's).
    """
    if name in _TICKET_PARTS or name in TicketOutput._declared_fields:
        raise ValueError(f"the ticket representation already has {name!r}")
    _TICKET_PARTS[name] = TicketPart(
        name,
        output(allow_null=True, read_only=True),
        select_related=(name, *(f"{name}__{path}" for path in select_related)),
        prefetch_related=tuple(f"{name}__{path}" for path in prefetch_related),
    )


def with_ticket_output_relations(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What TicketOutput reads, in a fixed number of queries whatever the page size."""
    parts = _TICKET_PARTS.values()
    return queryset.select_related(
        *(name for part in parts for name in part.select_related)
    ).prefetch_related(
        *(name for part in parts for name in part.prefetch_related),
        Prefetch("invoices", queryset=TicketInvoice.objects.only("id", "ticket_id").order_by("id")),
    )


def _just_opened(ticket: Ticket) -> Ticket:
    """A ticket just opened has no part and no invoice yet: say so, so that showing it reads nothing."""
    # The prefetch cache is Django's own attribute; the stubs do not declare it.
    ticket._prefetched_objects_cache = {"invoices": TicketInvoice.objects.none()}  # type: ignore[attr-defined]
    for part in _TICKET_PARTS.values():
        relation = Ticket._meta.get_field(part.name)
        assert isinstance(relation, ForeignObjectRel)  # a part is a reverse one-to-one
        relation.set_cached_value(ticket, None)
    return ticket


def ticket_response(ticket: Ticket, *, user) -> Response:
    """The full representation, re-read so it shows what the transaction committed."""
    fresh = with_ticket_output_relations(selectors.tickets_visible_to(user=user)).get(pk=ticket.pk)
    return Response(TicketOutput(fresh).data)


class TicketFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.State.choices, required=False)
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices, required=False)
    country = serializers.CharField(max_length=2, required=False)
    suspected_provider_fault = optional_boolean()
    assignee = id_field(required=False)
    breached = optional_boolean(
        help_text="true: only tickets whose first response or diagnosis start was or is late (`sla.breached`).",
    )
    waiting = optional_boolean(
        help_text="true: only tickets on which the customer acted last and no staff member has acted since "
        "(what the `mine_waiting` counter counts, with `assignee`).",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=QUERY_MAX_LENGTH,
        help_text="Words found in the subject, description or messages (stemmed in French, German and "
        "English; quotes, `or` and `-word` as in a web search), a fragment of the customer's name, a ticket "
        "number (`123` or `#123`) or an invoice or credit note number (`FR-2026-000123`). "
        f"At most {QUERY_MAX_LENGTH} characters.",
    )


@route("tickets/", name="list")
class TicketListCreateApi(FilteredListApi):
    serializer_class = TicketOutput
    permission_classes = [IsCustomerOrSupport]
    query_filter = TicketFilter
    page_before_joins = True  # config.pagination.page_then_rows

    class Input(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Ticket.Kind.choices)
        subject = text_field(max_length=200)
        description = text_field()
        service = id_field(required=False, allow_null=True)
        suspected_provider_fault = serializers.BooleanField(required=False, default=False)
        accept_diagnosis_fee = serializers.BooleanField(required=False, default=False)
        outage_started_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="`sla_claim` only: when the service became unavailable (with `outage_ended_at`).",
        )
        outage_ended_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="`sla_claim` only: when the service was available again; in the past.",
        )

    def get_permissions(self):
        return [IsCustomer()] if self.request.method == "POST" else super().get_permissions()

    def filtered(self, filters):
        tickets = with_ticket_output_relations(selectors.tickets_visible_to(user=self.request.user))
        return selectors.tickets_filter(tickets, filters)

    @extend_schema(request=Input, responses={201: TicketOutput})
    @idempotent  # a retried POST must not open a second paid ticket
    @rate_limited("ticket_create")  # inside: a replay does not count, a 429 is not stored as the answer
    def post(self, request):
        values = valid_input(self.Input, request.data)
        service = object_named(
            Service.objects.filter(customer_id=request.user.customer_id),
            values.pop("service", None),
            field="service",
            error="This service does not belong to your account.",
        )
        ticket = services.ticket_open(by=request.user, service=service, **values)
        # The ticket as created: the service returns it as the transaction committed it.
        return Response(TicketOutput(_just_opened(ticket)).data, status=status.HTTP_201_CREATED)


class TicketQueueOutput(TicketOutput):
    # No docstring of its own: the schema describes it with the ticket's.

    def get_fields(self):
        """The ticket's fields, then each flag the apps above tickets show on every staff list
        (`selectors.staff_list_flag`), as a boolean."""
        fields = super().get_fields()
        for flag in selectors.staff_list_flags():
            fields[flag.name] = serializers.BooleanField(read_only=True, help_text=flag.help_text)
        return fields


class _StaffTicketListApi(FilteredListApi):
    # A list of tickets for the support staff, with the flags they see on every list (TicketQueueOutput):
    # `rows(filters=)` is its selector, in the order that its `pagination_class` pages.
    # No docstring: the schema would show it as the description of the views that have none.

    serializer_class = TicketQueueOutput
    permission_classes = [IsSupport]
    query_filter = TicketFilter
    rows: Callable[..., QuerySet[Ticket]]
    page_before_joins = True  # config.pagination.page_then_rows

    def filtered(self, filters):
        return with_ticket_output_relations(self.rows(filters=filters))


@route("tickets/queue/", name="queue")
class TicketQueueApi(_StaffTicketListApi):
    """The diagnosis queue: open incidents and those under diagnosis, oldest first."""

    pagination_class = OldestFirstCursorPagination
    rows = staticmethod(selectors.tickets_queue)


@route("tickets/inbox/", name="inbox")
class TicketInboxApi(_StaffTicketListApi):
    """Every ticket waiting for support (open, diagnosing, in work) by time left to its next response
    target: the latest first, then the nearest (`sla.due_at`), then those with nothing due, oldest first.
    Keyset pages over (due time, id)."""

    pagination_class = KeysetCursorPagination
    rows = staticmethod(selectors.tickets_inbox)


@route("tickets/<int:pk>/", name="detail")
class TicketDetailApi(generics.RetrieveAPIView):
    serializer_class = TicketOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        return with_ticket_output_relations(selectors.tickets_visible_to(user=self.request.user))


class TicketActionApi(APIView):
    """Base of the one-endpoint-per-transition views: finds the ticket the caller may see, or 404."""

    permission_classes = [IsSupport]

    def get_ticket(self, pk: int) -> Ticket:
        return get_object_or_404(selectors.tickets_visible_to(user=self.request.user), pk=pk)


class TicketTransitionApi(TicketActionApi):
    # A transition that takes nothing but the ticket: `use_case(ticket=, by=)`, answered with the ticket.
    # No docstring: the schema would show it as the description of the views that have none.

    use_case: Callable

    @extend_schema(request=None, responses={200: TicketOutput})
    def post(self, request, pk: int):
        ticket = self.use_case(ticket=self.get_ticket(pk), by=request.user)
        return ticket_response(ticket, user=request.user)


@route("tickets/<int:pk>/cancel/", name="cancel")
class TicketCancelApi(TicketTransitionApi):
    permission_classes = [IsCustomer]
    use_case = staticmethod(services.ticket_cancel)


@route("tickets/<int:pk>/claim/", name="claim")
class TicketClaimApi(TicketTransitionApi):
    """Take an open ticket nobody holds (assignee = caller); an incident's diagnosis does not start.
    409 once someone holds it or it is no longer open."""

    use_case = staticmethod(services.ticket_claim)


@route("tickets/<int:pk>/start-diagnosis/", name="start-diagnosis")
class TicketStartDiagnosisApi(TicketTransitionApi):
    use_case = staticmethod(services.ticket_start_diagnosis)


class TicketInputActionApi(TicketActionApi):
    # A transition that takes what staff write (the view's `Input`): `use_case(ticket=, by=, **input)`,
    # answered with the ticket. No docstring: the schema would show it on the views instead of theirs.

    use_case: Callable
    Input: type[serializers.Serializer]

    @extend_schema(responses={200: TicketOutput})  # the request: the view's `Input` (config.schema)
    def post(self, request, pk: int):
        ticket = self.use_case(
            ticket=self.get_ticket(pk), by=request.user, **valid_input(self.Input, request.data)
        )
        return ticket_response(ticket, user=request.user)


@route("tickets/<int:pk>/close/", name="close")
class TicketCloseApi(TicketInputActionApi):
    use_case = staticmethod(services.ticket_close)

    class Input(serializers.Serializer):
        answer = text_field()


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    author = serializers.IntegerField(source="author_id")
    author_role = serializers.CharField(source="author.role")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


@route("tickets/<int:pk>/messages/", name="messages")
class TicketMessagesApi(generics.ListAPIView):
    """Newest first, like every list of the contract; the portals show the conversation the other way."""

    serializer_class = MessageOutput
    permission_classes = [IsCustomerOrSupport]

    class Input(serializers.Serializer):
        body = text_field()

    def get_ticket(self) -> Ticket:
        return get_object_or_404(selectors.tickets_visible_to(user=self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        return selectors.ticket_messages(ticket=self.get_ticket())

    @extend_schema(request=Input, responses={201: MessageOutput})
    @rate_limited("message_post")
    def post(self, request, pk: int):
        message = services.message_post(
            ticket=self.get_ticket(), author=request.user, **valid_input(self.Input, request.data)
        )
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_role = serializers.CharField(source="actor.role", allow_null=True, default=None)
    public = serializers.BooleanField()
    detail = serializers.DictField()
    created_at = serializers.DateTimeField()


@route("tickets/<int:pk>/notes/", name="notes")
class TicketNoteCreateApi(TicketActionApi):
    """An internal note: visible in the staff's history of the ticket, never to the customer."""

    class Input(serializers.Serializer):
        body = text_field()

    @extend_schema(request=Input, responses={201: EventOutput})
    def post(self, request, pk: int):
        event = services.ticket_note_add(
            ticket=self.get_ticket(pk), author=request.user, **valid_input(self.Input, request.data)
        )
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


@route("tickets/<int:pk>/history/", name="history")
class TicketHistoryApi(generics.ListAPIView):
    """Who did what, when: staff see all of it, the customer its customer-facing part."""

    serializer_class = EventOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        ticket = get_object_or_404(selectors.tickets_visible_to(user=self.request.user), pk=self.kwargs["pk"])
        return selectors.ticket_events_for(ticket=ticket, user=self.request.user)


class StaffCountersOutput(serializers.Serializer):
    inbox = serializers.IntegerField(help_text="Tickets waiting for the support staff (the Inbox).")
    mine_waiting = serializers.IntegerField(
        help_text="Tickets assigned to the caller that wait for them: the customer acted last (opened it, "
        "wrote, granted access, accepted the quote) and no staff member has acted on it since."
    )


@route("staff/counters/", name="staff-counters")
class StaffCountersApi(APIView):
    """The counts the staff menu shows beside "Inbox" and "My tickets", in one query."""

    permission_classes = [IsSupport]

    @extend_schema(responses=StaffCountersOutput)
    def get(self, request):
        return Response(StaffCountersOutput(selectors.staff_counters(user=request.user)).data)
