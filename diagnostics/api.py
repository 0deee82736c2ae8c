from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from billing.services import LineSpec
from config.ratelimit import rate_limited
from config.routing import route
from config.serializers import CompiledSerializer, money_field, text_field, valid_input
from diagnostics import services
from tickets.api import TicketActionApi, TicketOutput, ticket_response
from tickets.fees import FeeRule, Outcome


class DiagnosisOutput(CompiledSerializer):
    """A ticket's diagnosis as the contract shows it (a part of TicketOutput)."""

    findings = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    fee_charged = serializers.BooleanField()
    fee_rule = serializers.ChoiceField(choices=FeeRule.choices)
    concluded_at = serializers.DateTimeField()
    agent = serializers.IntegerField(source="agent_id")


class QuoteLineInput(serializers.Serializer):
    description = text_field(max_length=500)
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("99999")
    )
    unit_price = money_field(max_value=Decimal("1000000"))


class QuoteInput(serializers.Serializer):
    # many=True makes a ListSerializer, which takes max_length; the stubs check the child's arguments.
    lines = QuoteLineInput(many=True, allow_empty=False, max_length=100)  # type: ignore[call-arg]
    valid_days = serializers.IntegerField(
        required=False, min_value=1, max_value=90, default=settings.QUOTE_DEFAULT_VALID_DAYS
    )


@route("tickets/<int:pk>/conclude-diagnosis/", name="conclude")
@rate_limited("money")  # concluding issues the diagnosis invoice (or sends the quote)
class TicketConcludeDiagnosisApi(TicketActionApi):
    class Input(serializers.Serializer):
        findings = text_field()
        outcome = serializers.ChoiceField(choices=Outcome.choices)
        quote = QuoteInput(required=False, allow_null=True)

    @extend_schema(request=Input, responses={200: TicketOutput})
    def post(self, request, pk: int):
        ticket = self.get_ticket(pk)
        values = valid_input(self.Input, request.data)
        quote = None
        if values.get("quote"):
            quote = services.QuoteSpec(
                lines=[LineSpec(**line) for line in values["quote"]["lines"]],
                valid_days=values["quote"]["valid_days"],
            )
        services.diagnosis_conclude(
            ticket=ticket,
            findings=values["findings"],
            outcome=values["outcome"],
            quote=quote,
            by=request.user,
        )
        return ticket_response(ticket, user=request.user)
