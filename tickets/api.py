from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import idempotent
from accounts.models import Service
from accounts.permissions import IsCustomer, IsCustomerOrSupport, IsSupport
from config.pagination import OldestFirstCursorPagination
from config.serializers import id_field, related_or_none, text_field, with_other_fields
from tickets import selectors, services
from tickets.models import Ticket


class TicketFeeOutput(serializers.Serializer):
    currency = serializers.CharField(source="fee_currency")
    net = serializers.DecimalField(source="fee_net", max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(source="fee_vat_rate", max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(source="fee_vat", max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(source="fee_gross", max_digits=12, decimal_places=2)
    free = serializers.BooleanField(source="fee_free")
    free_reason = serializers.CharField(source="fee_free_reason", allow_null=True)

    def to_representation(self, ticket):
        # Written out, as TicketOutput's fields are (see there); one fee a ticket on every list page.
        money = self.fields["net"].to_representation
        return {
            "currency": ticket.fee_currency,
            "net": money(ticket.fee_net),
            "vat_rate": money(ticket.fee_vat_rate),
            "vat": money(ticket.fee_vat),
            "gross": money(ticket.fee_gross),
            "free": ticket.fee_free,
            "free_reason": ticket.fee_free_reason or None,
        }


class DiagnosisOutput(serializers.Serializer):
    findings = serializers.CharField()
    outcome = serializers.CharField()
    fee_charged = serializers.BooleanField()
    fee_rule = serializers.CharField()
    concluded_at = serializers.DateTimeField()
    agent = serializers.IntegerField(source="agent_id")

    def to_representation(self, diagnosis):
        # Written out, as TicketOutput's fields are (see there).
        return {
            "findings": diagnosis.findings,
            "outcome": diagnosis.outcome,
            "fee_charged": diagnosis.fee_charged,
            "fee_rule": diagnosis.fee_rule,
            "concluded_at": self.fields["concluded_at"].to_representation(diagnosis.concluded_at),
            "agent": diagnosis.agent_id,
        }


class LineOutput(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    net = serializers.DecimalField(max_digits=12, decimal_places=2)


class QuoteOutput(serializers.Serializer):
    """The quote as the contract shows it, here because it is part of the ticket's representation."""

    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    status = serializers.CharField()
    lines = LineOutput(many=True)
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    valid_until = serializers.DateField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class TicketOutput(serializers.ModelSerializer):
    diagnosis_fee = serializers.SerializerMethodField()
    diagnosis = DiagnosisOutput(allow_null=True, read_only=True)
    quote = QuoteOutput(allow_null=True, read_only=True)
    invoices = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "customer",
            "kind",
            "subject",
            "description",
            "service",
            "suspected_provider_fault",
            "status",
            "assignee",
            "created_at",
            "diagnosis_fee",
            "diagnosis",
            "quote",
            "invoices",
        ]

    @extend_schema_field(TicketFeeOutput(allow_null=True))
    def get_diagnosis_fee(self, ticket):
        if ticket.fee_net is None:
            return None
        # One fee serializer for the whole page: a new one per row deep-copied its fields each time, a
        # millisecond per ticket (docs/performance.md).
        if not hasattr(self, "_fee_output"):
            self._fee_output = TicketFeeOutput()
        return self._fee_output.to_representation(ticket)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_invoices(self, ticket) -> list[int]:
        return [invoice.pk for invoice in ticket.invoices.all()]

    def to_representation(self, ticket):
        # The declared fields above, written out: DRF's generic walk over them (a get_attribute, a
        # SkipField check and a to_representation per field) took about a third of an API list page.
        # The declared fields still make the schema, and tests/tickets/test_api_representation.py
        # checks that both give the same answer for every shape of ticket.
        fields = self.fields
        if self.context.get("just_opened"):  # nothing can have been concluded, quoted or invoiced yet
            diagnosis = quote = None
        else:
            diagnosis, quote = related_or_none(ticket, "diagnosis"), related_or_none(ticket, "quote")
        return with_other_fields(
            self,
            ticket,
            {
                "id": ticket.pk,
                "customer": ticket.customer_id,
                "kind": ticket.kind,
                "subject": ticket.subject,
                "description": ticket.description,
                "service": ticket.service_id,
                "suspected_provider_fault": ticket.suspected_provider_fault,
                "status": ticket.status,
                "assignee": ticket.assignee_id,
                "created_at": fields["created_at"].to_representation(ticket.created_at),
                "diagnosis_fee": self.get_diagnosis_fee(ticket),
                "diagnosis": None if diagnosis is None else fields["diagnosis"].to_representation(diagnosis),
                "quote": None if quote is None else fields["quote"].to_representation(quote),
                "invoices": [] if self.context.get("just_opened") else self.get_invoices(ticket),
            },
        )


def ticket_response(ticket: Ticket, *, user, status_code=status.HTTP_200_OK) -> Response:
    """The full representation, re-read so it shows what the transaction committed."""
    fresh = selectors.tickets_for_api(user=user).get(pk=ticket.pk)
    return Response(TicketOutput(fresh).data, status=status_code)


class TicketFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.State.choices, required=False)
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices, required=False)
    country = serializers.CharField(max_length=2, required=False)
    suspected_provider_fault = serializers.BooleanField(required=False, allow_null=True, default=None)
    assignee = id_field(required=False)


class TicketListCreateApi(generics.ListAPIView):
    serializer_class = TicketOutput
    permission_classes = [IsCustomerOrSupport]

    class Input(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Ticket.Kind.choices)
        subject = text_field(max_length=200)
        description = text_field()
        service = id_field(required=False, allow_null=True)
        suspected_provider_fault = serializers.BooleanField(required=False, default=False)
        accept_diagnosis_fee = serializers.BooleanField(required=False, default=False)

    def get_permissions(self):
        return [IsCustomer()] if self.request.method == "POST" else super().get_permissions()

    def get_queryset(self):
        filters = TicketFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.tickets_filter(
            selectors.tickets_for_api(user=self.request.user), filters.validated_data
        )

    @extend_schema(parameters=[TicketFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=Input, responses={201: TicketOutput})
    @idempotent  # a retried POST must not open a second paid ticket
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        service_id = values.pop("service", None)
        service = None
        if service_id is not None:
            service = Service.objects.filter(pk=service_id, customer_id=request.user.customer_id).first()
            if service is None:
                raise serializers.ValidationError(
                    {"service": ["This service does not belong to your account."]}
                )
        ticket = services.ticket_open(by=request.user, service=service, **values)
        # The ticket as created: the service returns it as the transaction committed it.
        return Response(
            TicketOutput(ticket, context={"just_opened": True}).data, status=status.HTTP_201_CREATED
        )


class TicketQueueOutput(TicketOutput):
    contact_pending = serializers.BooleanField(
        read_only=True, help_text="The provider still owes the customer a contact about work on its data."
    )

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "contact_pending"]


class TicketQueueApi(generics.ListAPIView):
    """The diagnosis queue: open incidents and those under diagnosis, oldest first."""

    serializer_class = TicketQueueOutput
    permission_classes = [IsSupport]
    pagination_class = OldestFirstCursorPagination

    def get_queryset(self):
        filters = TicketFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        queue = selectors.tickets_queue(filters=filters.validated_data)
        return queue.select_related("diagnosis", "quote").prefetch_related("quote__lines", "invoices")

    @extend_schema(parameters=[TicketFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TicketDetailApi(generics.RetrieveAPIView):
    serializer_class = TicketOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        return selectors.tickets_for_api(user=self.request.user)


class TicketActionApi(APIView):
    """Base of the one-endpoint-per-transition views: finds the ticket the caller may see, or 404."""

    permission_classes = [IsSupport]

    def get_ticket(self, pk: int) -> Ticket:
        return get_object_or_404(selectors.tickets_visible_to(user=self.request.user), pk=pk)


class TicketCancelApi(TicketActionApi):
    permission_classes = [IsCustomer]

    @extend_schema(request=None, responses={200: TicketOutput})
    def post(self, request, pk: int):
        ticket = services.ticket_cancel(ticket=self.get_ticket(pk), by=request.user)
        return ticket_response(ticket, user=request.user)


class TicketStartDiagnosisApi(TicketActionApi):
    @extend_schema(request=None, responses={200: TicketOutput})
    def post(self, request, pk: int):
        ticket = services.ticket_start_diagnosis(ticket=self.get_ticket(pk), by=request.user)
        return ticket_response(ticket, user=request.user)


class TicketCloseApi(TicketActionApi):
    class Input(serializers.Serializer):
        answer = text_field()

    @extend_schema(request=Input, responses={200: TicketOutput})
    def post(self, request, pk: int):
        ticket = self.get_ticket(pk)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_close(ticket=ticket, answer=data.validated_data["answer"], by=request.user)
        return ticket_response(ticket, user=request.user)


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    author = serializers.IntegerField(source="author_id")
    author_role = serializers.CharField(source="author.role")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


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
    def post(self, request, pk: int):
        ticket = self.get_ticket()
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_post(ticket=ticket, author=request.user, body=data.validated_data["body"])
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_role = serializers.CharField(source="actor.role", allow_null=True, default=None)
    public = serializers.BooleanField()
    detail = serializers.DictField()
    created_at = serializers.DateTimeField()


class TicketNoteCreateApi(TicketActionApi):
    """An internal note: visible in the staff's history of the ticket, never to the customer."""

    class Input(serializers.Serializer):
        body = text_field()

    @extend_schema(request=Input, responses={201: EventOutput})
    def post(self, request, pk: int):
        ticket = self.get_ticket(pk)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.ticket_note_add(ticket=ticket, author=request.user, body=data.validated_data["body"])
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


class TicketHistoryApi(generics.ListAPIView):
    """Who did what, when: staff see all of it, the customer its customer-facing part."""

    serializer_class = EventOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        ticket = get_object_or_404(selectors.tickets_visible_to(user=self.request.user), pk=self.kwargs["pk"])
        return selectors.ticket_events_for(ticket=ticket, user=self.request.user)
