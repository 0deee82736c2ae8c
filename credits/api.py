"""SLA claims assessed by support, and the SLA credits they grant, read by the customer and the staff."""

from collections.abc import Callable
from decimal import Decimal

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts.idempotency import idempotent
from accounts.permissions import IsCustomerOrStaffMember, IsSupport
from billing.api import MoneyActionApi
from config.errors import SupportBanned
from config.filtering import FilteredListApi
from config.routing import route
from config.scoped import ScopedApi
from config.serializers import CompiledSerializer, id_field, text_field
from credits import selectors, services
from credits.models import SlaCredit
from credits.rules import HOURS_MAX
from tickets.models import Ticket


class SlaCreditNoteRef(CompiledSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)


class SlaCreditOutput(CompiledSerializer):
    """An SLA claim's assessment: granted (the hours confirmed, the rule's rates, the credit and its credit
    note, whose gross is owed to the customer as a refund) or refused (`refusal`: `support_banned` for a
    banned account, which loses every SLA claim; `not_covered` with the staff's `reason`)."""

    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    customer = serializers.IntegerField(source="customer_id")
    service = serializers.IntegerField(source="service_id", allow_null=True)
    status = serializers.ChoiceField(choices=SlaCredit.Status.choices)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    percent_per_hour = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    cap_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    percent = serializers.DecimalField(
        max_digits=9, decimal_places=4, allow_null=True, help_text="Of the monthly price, after the cap."
    )
    monthly_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="The credit, net of VAT."
    )
    currency = serializers.CharField()
    credit_note = SlaCreditNoteRef(allow_null=True)
    refusal = serializers.ChoiceField(
        source="refusal_or_none", choices=SlaCredit.Refusal.choices, allow_null=True
    )
    reason = serializers.CharField(source="note", help_text="The staff's reason for a refusal.")
    assessed_by = serializers.IntegerField(source="assessed_by_id", allow_null=True)
    assessed_at = serializers.DateTimeField()


class SlaCreditFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=SlaCredit.Status.choices, required=False)
    customer = id_field(required=False)


@route("sla-credits/", name="sla-credits")
class SlaCreditListApi(FilteredListApi):
    """SLA claims assessed, newest first: a customer its account's, the staff all."""

    serializer_class = SlaCreditOutput
    permission_classes = [IsCustomerOrStaffMember]
    query_filter = SlaCreditFilter
    visible_to = staticmethod(selectors.sla_credits_visible_to)
    filter_rows = staticmethod(selectors.sla_credits_filter)


@route("sla-credits/<int:pk>/", name="sla-credit")
class SlaCreditDetailApi(ScopedApi, generics.RetrieveAPIView):
    """One SLA claim's assessment."""

    serializer_class = SlaCreditOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(selectors.sla_credits_visible_to)


BANNED_CLAIM_DETAIL = (
    "This account is banned from support after a refused or unpaid invoice: by the contract it loses every SLA "
    "claim, so this claim is refused."
)
BANNED = OpenApiResponse(
    description="`support_banned`: the account is banned from support, so by the contract it loses every SLA "
    "claim; the claim is refused with that reason (its assessment is in `sla_credit`)."
)


def _credit_response(credit: SlaCredit, *, user, requested_grant: bool) -> Response:
    fresh = selectors.sla_credits_visible_to(user=user).get(pk=credit.pk)
    data = SlaCreditOutput(fresh).data
    if requested_grant and fresh.refusal == SlaCredit.Refusal.SUPPORT_BANNED:
        # The refusal is recorded (committed): the answer says why nothing was granted.
        return Response(
            {"code": SupportBanned.code, "detail": BANNED_CLAIM_DETAIL, "sla_credit": data},
            status=status.HTTP_403_FORBIDDEN,
        )
    return Response(data)


class _SlaClaimAssessApi(MoneyActionApi):
    # Support assesses an open SLA claim (its ticket) with `use_case(ticket=, by=, **input)`: the answer is
    # the assessment. No docstring: the schema would show it on the views.

    permission_classes = [IsSupport]
    visible_to = staticmethod(selectors.sla_claims_visible_to)
    use_case: Callable[..., SlaCredit]
    requested_grant: bool

    def act(self, ticket: Ticket, /, *, by, **values) -> Response:
        credit = self.use_case(ticket=ticket, by=by, **values)
        return _credit_response(credit, user=self.request.user, requested_grant=self.requested_grant)


@route("tickets/<int:pk>/sla-claim/grant/", name="sla-claim-grant")
@extend_schema(responses={200: SlaCreditOutput, 403: BANNED})
class SlaClaimGrantApi(_SlaClaimAssessApi):
    """Grant an open SLA claim for the hours of unavailability confirmed: the credit (a percentage of the
    service's monthly price per hour, capped: settings) is issued as an `sla_credit` credit note, owed to the
    customer as a refund; the claim's ticket is closed. 409 once assessed; 403 `support_banned` (and the
    claim refused) for a banned account; 400 when the claim names no service under an SLA."""

    use_case = staticmethod(services.sla_claim_grant)
    requested_grant = True
    post = idempotent(_SlaClaimAssessApi.post)

    class Input(serializers.Serializer):
        hours = serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            min_value=Decimal("0.01"),
            max_value=HOURS_MAX,
            help_text="Hours of unavailability confirmed, to the hundredth; at most the period claimed.",
        )


@route("tickets/<int:pk>/sla-claim/refuse/", name="sla-claim-refuse")
@extend_schema(responses={200: SlaCreditOutput})
class SlaClaimRefuseApi(_SlaClaimAssessApi):
    """Refuse an open SLA claim with the reason the customer reads; the claim's ticket is closed. 409 once
    assessed."""

    use_case = staticmethod(services.sla_claim_refuse)
    requested_grant = False

    class Input(serializers.Serializer):
        reason = text_field(max_length=2000)
