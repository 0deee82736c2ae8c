from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Service
from accounts.permissions import IsSupport
from config.ratelimit import rate_limited
from config.routing import route
from config.serializers import CompiledSerializer, id_field, text_field, valid_input
from outages import selectors, services
from outages.forms import LINK_MAX
from outages.models import ProviderIncident


class PublicIncidentOutput(CompiledSerializer):
    """A provider incident as the public status page tells it, in each language."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProviderIncident.State.choices)
    title_en = serializers.CharField()
    title_fr = serializers.CharField()
    title_de = serializers.CharField()
    body_en = serializers.CharField()
    body_fr = serializers.CharField()
    body_de = serializers.CharField()
    service_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Service.Kind.choices))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="Null while it is under way.")
    active = serializers.BooleanField(
        source="is_active",
        help_text="Published and under way now: incident tickets on its services carry no fee.",
    )


class IncidentOutput(PublicIncidentOutput):
    """A provider incident as staff see it: with the services it names and its moments."""

    services = serializers.ListField(child=serializers.IntegerField(), source="service_ids")
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


class IncidentInput(serializers.Serializer):
    title_en = text_field(max_length=200)
    title_fr = text_field(max_length=200)
    title_de = text_field(max_length=200)
    body_en = text_field(max_length=5000)
    body_fr = text_field(max_length=5000)
    body_de = text_field(max_length=5000)
    service_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.Kind.choices),
        max_length=len(Service.Kind.choices),
        required=False,
        default=list,
        help_text="Every service of these kinds is affected.",
    )
    services = serializers.ListField(
        child=id_field(),
        max_length=services.SERVICES_MAX,
        required=False,
        default=list,
        help_text="Services affected one by one (ids), besides the kinds.",
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


def _incident_values(data) -> dict:
    values = dict(valid_input(IncidentInput, data))
    values["service_ids"] = values.pop("services")
    return values


def _staff_output(incident: ProviderIncident) -> dict:
    incident.service_ids = sorted(incident.services.values_list("pk", flat=True))  # type: ignore[attr-defined]
    return IncidentOutput(incident).data


@route("status/incidents/", name="public-list")
@rate_limited("public_status", methods=("get",))  # anyone may read it: counted per client IP
class PublicIncidentListApi(generics.ListAPIView):
    """Published provider incidents, under way and past, newest first: anyone may read them, signed in
    or not (the status page's content). Never a draft, never the services of an account."""

    permission_classes = [AllowAny]
    serializer_class = PublicIncidentOutput

    def get_queryset(self):
        return selectors.incidents_public()


class IncidentApi(APIView):
    # Base of the staff endpoints on one incident: support staff (agents, administrators) only.
    permission_classes = [IsSupport]

    def get_incident(self, pk: int) -> ProviderIncident:
        return get_object_or_404(ProviderIncident.objects.all(), pk=pk)


@route("incidents/", name="list")
class IncidentListCreateApi(generics.ListCreateAPIView):
    """Provider incidents, drafts included, newest first; POST writes a draft (201)."""

    permission_classes = [IsSupport]
    serializer_class = IncidentOutput

    def get_queryset(self):
        return selectors.incidents_for_staff().prefetch_related("services")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        for incident in page:
            incident.service_ids = sorted(service.pk for service in incident.services.all())
        return self.get_paginated_response(IncidentOutput(page, many=True).data)

    @extend_schema(request=IncidentInput, responses={201: IncidentOutput})
    def post(self, request):
        incident = services.incident_create(by=request.user, **_incident_values(request.data))
        return Response(_staff_output(incident), status=status.HTTP_201_CREATED)


@route("incidents/<int:pk>/", name="detail")
class IncidentDetailApi(IncidentApi):
    @extend_schema(responses=IncidentOutput)
    def get(self, request, pk: int):
        return Response(_staff_output(self.get_incident(pk)))

    @extend_schema(request=IncidentInput, responses={200: IncidentOutput})
    def put(self, request, pk: int):
        """Rewrite a draft whole; 409 once it is published."""
        incident = self.get_incident(pk)
        incident = services.incident_update(
            incident=incident, by=request.user, **_incident_values(request.data)
        )
        return Response(_staff_output(incident))


@route("incidents/<int:pk>/publish/", name="publish")
class IncidentPublishApi(IncidentApi):
    """Show a draft on the status page; while it is under way, incident tickets on its services are free.
    409 unless it is a draft."""

    @extend_schema(request=None, responses={200: IncidentOutput})
    def post(self, request, pk: int):
        incident = services.incident_publish(incident=self.get_incident(pk), by=request.user)
        return Response(_staff_output(incident))


@route("incidents/<int:pk>/resolve/", name="resolve")
class IncidentResolveApi(IncidentApi):
    """The incident is over (at `ends_at`, now if not given, never later than now); 409 unless published."""

    class Input(serializers.Serializer):
        ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(request=Input, responses={200: IncidentOutput})
    def post(self, request, pk: int):
        incident = self.get_incident(pk)
        values = valid_input(self.Input, request.data)
        incident = services.incident_resolve(incident=incident, by=request.user, **values)
        return Response(_staff_output(incident))


class LinkOutput(serializers.Serializer):
    linked = serializers.ListField(child=serializers.IntegerField(), help_text="Tickets linked by this call.")


@route("incidents/<int:pk>/link-tickets/", name="link-tickets")
class IncidentLinkTicketsApi(IncidentApi):
    """Link incident tickets still open or in diagnosis to a published incident: all of them or none (400
    on `tickets` naming those that cannot be linked); 409 on a draft."""

    class Input(serializers.Serializer):
        tickets = serializers.ListField(child=id_field(), min_length=1, max_length=LINK_MAX)

    @extend_schema(request=Input, responses={200: LinkOutput})
    def post(self, request, pk: int):
        incident = self.get_incident(pk)
        ticket_ids = valid_input(self.Input, request.data)["tickets"]
        linked = services.incident_link_tickets(incident=incident, ticket_ids=ticket_ids, by=request.user)
        return Response({"linked": linked})


class FailedOutput(serializers.Serializer):
    ticket = serializers.IntegerField()
    detail = serializers.CharField()


class ConclusionOutput(serializers.Serializer):
    concluded = serializers.ListField(child=serializers.IntegerField())
    failed = FailedOutput(many=True)


@route("incidents/<int:pk>/conclude-linked/", name="conclude-linked")
class IncidentConcludeLinkedApi(IncidentApi):
    """Conclude every linked ticket still open or in diagnosis as `provider_fault` (nothing billed), each
    through the diagnosis conclusion; a ticket that cannot be concluded is listed in `failed` and the
    others are concluded all the same. 409 on a draft."""

    class Input(serializers.Serializer):
        findings = text_field()

    @extend_schema(request=Input, responses={200: ConclusionOutput})
    def post(self, request, pk: int):
        incident = self.get_incident(pk)
        findings = valid_input(self.Input, request.data)["findings"]
        result = services.incident_conclude_linked(incident=incident, findings=findings, by=request.user)
        failed = [{"ticket": pk, "detail": detail} for pk, detail in result.failed.items()]
        return Response({"concluded": result.concluded, "failed": failed})
