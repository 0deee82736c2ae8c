"""The consent API: access requests, interventions, the audit log, contact obligations."""

from collections.abc import Callable
from datetime import UTC
from operator import attrgetter

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.permissions import IsCustomer, IsCustomerOrSupport, IsSupport
from config.csv import CsvRenderer, csv_response
from config.filtering import FilteredListApi
from config.routing import route
from config.scoped import ScopedActionApi, ScopedApi
from config.serializers import id_field, optional_boolean, text_field, valid_input
from consent import selectors, services
from consent.models import (
    GRANT_MAX_HOURS,
    AccessRequest,
    AuditEntry,
    ContactObligation,
    CustomerContact,
    DataAction,
)
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


class AccessRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    scope = serializers.ChoiceField(choices=AccessRequest.Scope.choices)
    reason = serializers.CharField()
    status = serializers.SerializerMethodField()
    duration_hours = serializers.IntegerField()
    requested_by = serializers.IntegerField(source="requested_by_id")
    requested_at = serializers.DateTimeField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=AccessRequest.State.choices))
    def get_status(self, access_request) -> str:
        # A grant past its end reads `expired` at once, whether or not the hourly sweep has marked it yet.
        return access_request.status_at(now=timezone.now(), ticket_status=access_request.ticket.status)


def _ticket_visible(request, pk: int) -> Ticket:
    """The ticket if the caller may see it, else 404 (another account's ticket does not exist for them)."""
    return get_object_or_404(tickets_visible_to(user=request.user), pk=pk)


class _TicketRowsApi(generics.ListAPIView):
    # One kind of the ticket's consent rows, newest first, for its customer and support staff; support
    # adds one (POST) through `use_case`. No docstring: the schema would show it on the views.
    permission_classes = [IsCustomerOrSupport]
    rows_of: Callable
    use_case: Callable
    Input: type[serializers.Serializer]

    def get_permissions(self):
        return [IsSupport()] if self.request.method == "POST" else super().get_permissions()

    def get_queryset(self):
        return self.rows_of(ticket=_ticket_visible(self.request, self.kwargs["pk"]))

    def create(self, request, pk: int) -> Response:
        ticket = _ticket_visible(request, pk)
        row = self.use_case(ticket=ticket, by=request.user, **valid_input(self.Input, request.data))
        return Response(self.get_serializer_class()(row).data, status=status.HTTP_201_CREATED)


@route("tickets/<int:pk>/access-requests/", name="access-requests")
class TicketAccessRequestsApi(_TicketRowsApi):
    """Staff ask for access to the ticket's data; the customer and staff list the requests, newest first."""

    serializer_class = AccessRequestOutput
    rows_of = staticmethod(selectors.access_requests_of_ticket)
    use_case = staticmethod(services.access_request_create)

    class Input(serializers.Serializer):
        scope = serializers.ChoiceField(choices=AccessRequest.Scope.choices)
        reason = text_field(max_length=2000)
        duration_hours = serializers.IntegerField(min_value=1, max_value=GRANT_MAX_HOURS)

    @extend_schema(request=Input, responses={201: AccessRequestOutput})
    def post(self, request, pk: int):
        return self.create(request, pk)


@route("access-requests/<int:pk>/", name="access-request")
class AccessRequestDetailApi(ScopedApi, generics.RetrieveAPIView):
    serializer_class = AccessRequestOutput
    permission_classes = [IsCustomerOrSupport]
    visible_to = staticmethod(selectors.access_requests_visible_to)


@extend_schema(request=None, responses={200: AccessRequestOutput})
class AccessRequestActionApi(ScopedActionApi):
    """The account decides on its data: only its own users, never staff (403); another account's is a 404."""

    permission_classes = [IsCustomer]
    visible_to = staticmethod(selectors.access_requests_visible_to)
    use_case: Callable[..., AccessRequest]

    def act(self, access_request: AccessRequest, /, *, by, **values) -> Response:
        decided = self.use_case(access_request=access_request, by=by, **values)
        return Response(AccessRequestOutput(decided).data)


@route("access-requests/<int:pk>/grant/", name="access-request-grant")
class AccessRequestGrantApi(AccessRequestActionApi):
    """Grant: access runs from now for the requested hours, while the ticket lasts."""

    use_case = staticmethod(services.access_request_grant)


@route("access-requests/<int:pk>/deny/", name="access-request-deny")
class AccessRequestDenyApi(AccessRequestActionApi):
    """Deny a pending request; it can never be granted afterwards."""

    use_case = staticmethod(services.access_request_deny)


@route("access-requests/<int:pk>/revoke/", name="access-request-revoke")
class AccessRequestRevokeApi(AccessRequestActionApi):
    """Revoke a grant in force; the very next request of staff is refused."""

    use_case = staticmethod(services.access_request_revoke)


class InterventionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    action = serializers.ChoiceField(choices=DataAction.choices)
    description = serializers.CharField()
    agent = serializers.IntegerField(source="agent_id")
    performed_at = serializers.DateTimeField()
    consent = serializers.IntegerField(source="consent_id", allow_null=True)


@route("tickets/<int:pk>/interventions/", name="interventions")
class TicketInterventionsApi(_TicketRowsApi):
    """Staff act on the customer's systems; the customer and staff see every intervention, newest first."""

    serializer_class = InterventionOutput
    rows_of = staticmethod(selectors.interventions_of_ticket)
    use_case = staticmethod(services.intervention_perform)

    class Input(serializers.Serializer):
        action = serializers.ChoiceField(choices=DataAction.choices)
        description = text_field(max_length=5000)

    @extend_schema(request=Input, responses={201: InterventionOutput})
    def post(self, request, pk: int):
        return self.create(request, pk)


class AuditEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(default_timezone=UTC)  # PRIV-03: the log is kept and shown in UTC
    event = serializers.ChoiceField(choices=AuditEntry.Event.choices)
    outcome = serializers.ChoiceField(choices=AuditEntry.Outcome.choices)
    action = serializers.ChoiceField(choices=DataAction.choices)
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_role = serializers.CharField()
    ticket = serializers.IntegerField(source="ticket_id")
    access_request = serializers.IntegerField(source="access_request_id", allow_null=True)
    intervention = serializers.IntegerField(source="intervention_id", allow_null=True)
    detail = serializers.CharField()
    entry_hash = serializers.CharField()


class AuditFilter(serializers.Serializer):
    ticket = id_field(required=False)
    event = serializers.ChoiceField(choices=AuditEntry.Event.choices, required=False)
    outcome = serializers.ChoiceField(choices=AuditEntry.Outcome.choices, required=False)
    action = serializers.ChoiceField(choices=DataAction.choices, required=False)
    access_request = id_field(required=False)


CSV_COLUMNS = [
    "id",
    "at",
    "event",
    "outcome",
    "action",
    "actor",
    "actor_role",
    "ticket",
    "access_request",
    "intervention",
    "detail",
    "previous_hash",
    "entry_hash",
]


# What each column reads of an entry: a relation's id, not the related row.
_ATTRIBUTE_BY_FIELD = {field.name: field.attname for field in AuditEntry._meta.concrete_fields}
_CSV_VALUES = attrgetter(*(_ATTRIBUTE_BY_FIELD[name] for name in CSV_COLUMNS))


def audit_csv_response(queryset, *, filename: str) -> StreamingHttpResponse:
    """The log as CSV, oldest line first, streamed in chunks: any size, constant memory and queries."""
    rows = (_CSV_VALUES(entry) for entry in queryset.order_by("id").iterator(chunk_size=1000))
    return csv_response(CSV_COLUMNS, rows, filename=filename)


@route("audit-log/", name="audit-log")
class AuditLogApi(FilteredListApi):
    """The consent audit log: the customer reads its account's tickets' lines, support staff all of them."""

    serializer_class = AuditEntryOutput
    permission_classes = [IsCustomerOrSupport]
    query_filter = AuditFilter
    visible_to = staticmethod(selectors.audit_entries_visible_to)
    filter_rows = staticmethod(selectors.audit_entries_filter)


@route("audit-log/csv/", name="audit-log-csv")
class AuditLogCsvApi(AuditLogApi):
    """The same lines as a CSV download, oldest first, streamed whatever the size of the log."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    pagination_class = None  # the whole log, streamed

    @extend_schema(parameters=[AuditFilter], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, *args, **kwargs):
        return audit_csv_response(self.get_queryset(), filename="consent-audit-log.csv")


@route("tickets/<int:pk>/audit-log/", name="ticket-audit-log")
class TicketAuditLogApi(generics.ListAPIView):
    """One ticket's consent audit log, for the ticket's customer and support staff."""

    serializer_class = AuditEntryOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        ticket = _ticket_visible(self.request, self.kwargs["pk"])
        return selectors.audit_entries_visible_to(user=self.request.user).filter(ticket=ticket)


@route("tickets/<int:pk>/audit-log/csv/", name="ticket-audit-log-csv")
class TicketAuditLogCsvApi(TicketAuditLogApi):
    """One ticket's log as a CSV download, oldest first."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    pagination_class = None  # the whole log, streamed

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        return audit_csv_response(self.get_queryset(), filename=f"ticket-{pk}-consent-audit-log.csv")


class CustomerContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=CustomerContact.Channel.choices)
    at = serializers.DateTimeField()
    recipients = serializers.IntegerField()
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    note = serializers.CharField()


class ContactObligationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    kind = serializers.ChoiceField(choices=ContactObligation.Kind.choices)
    access_request = serializers.IntegerField(source="access_request_id", allow_null=True)
    intervention = serializers.IntegerField(source="intervention_id", allow_null=True)
    created_at = serializers.DateTimeField()
    met = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()
    contacts = CustomerContactOutput(many=True)

    def get_met(self, obligation) -> bool:
        return obligation.resolved_at is not None


class ContactObligationFilter(serializers.Serializer):
    ticket = id_field(required=False)
    open = optional_boolean()


@route("contact-obligations/", name="contact-obligations")
class ContactObligationListApi(FilteredListApi):
    """What the provider owes customers in contact (ask before access, tell after emergencies), newest first."""

    serializer_class = ContactObligationOutput
    permission_classes = [IsSupport]
    query_filter = ContactObligationFilter
    visible_to = staticmethod(selectors.contact_obligations_visible_to)
    filter_rows = staticmethod(selectors.contact_obligations_filter)


@route("contact-obligations/<int:pk>/contacts/", name="contact-record")
@extend_schema(responses={201: CustomerContactOutput})
class ContactRecordApi(ScopedActionApi):
    """Staff record a contact made outside the app, such as a phone call; it meets the obligation."""

    permission_classes = [IsSupport]
    visible_to = staticmethod(selectors.contact_obligations_visible_to)

    class Input(serializers.Serializer):
        channel = serializers.ChoiceField(
            choices=[CustomerContact.Channel.PHONE, CustomerContact.Channel.EMAIL]
        )
        note = text_field(max_length=500, required=False, allow_blank=True, default="")

    def act(self, obligation: ContactObligation, /, *, by, **values) -> Response:
        contact = services.contact_record(obligation=obligation, by=by, **values)
        return Response(CustomerContactOutput(contact).data, status=status.HTTP_201_CREATED)
