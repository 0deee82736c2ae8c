from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsCustomer, IsCustomerOrFinance
from billing import pricing, selectors
from billing.models import Invoice
from config.serializers import id_field, money_field


class DiagnosisFeeOutput(serializers.Serializer):
    country = serializers.CharField()
    currency = serializers.CharField()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    free = serializers.BooleanField()
    free_reason = serializers.CharField(allow_null=True)


class DiagnosisFeeApi(APIView):
    """The fee a ticket opened now would carry, shown before any cost arises."""

    permission_classes = [IsCustomer]

    @extend_schema(responses=DiagnosisFeeOutput)
    def get(self, request):
        fee = pricing.diagnosis_fee_for(country=request.user.customer.country)
        return Response(DiagnosisFeeOutput(fee).data)


class PriceOutput(serializers.Serializer):
    country = serializers.CharField()
    currency = serializers.CharField()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    effective_from = serializers.DateTimeField()


class DiagnosisPriceSetApi(APIView):
    permission_classes = [IsAdmin]

    class Input(serializers.Serializer):
        net = money_field(min_value=Decimal("0.00"), max_value=Decimal("100000"))

    @extend_schema(request=Input, responses=PriceOutput)
    def put(self, request, country: str):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        price = pricing.diagnosis_price_set(country=country, net=data.validated_data["net"], by=request.user)
        fee = pricing.diagnosis_fee_for(country=price.country, at=price.effective_from)
        return Response({"country": price.country, "currency": fee.currency, "net": str(price.net),
                         "effective_from": price.effective_from.isoformat()})


class FreePeriodOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    countries = serializers.ListField(child=serializers.CharField())


class FreePeriodCreateApi(APIView):
    permission_classes = [IsAdmin]

    class Input(serializers.Serializer):
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        countries = serializers.ListField(child=serializers.CharField(min_length=2, max_length=2), max_length=300,
                                          required=False, default=list)

    @extend_schema(request=Input, responses={201: FreePeriodOutput})
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        period = pricing.free_period_create(by=request.user, **data.validated_data)
        return Response(FreePeriodOutput(period).data, status=status.HTTP_201_CREATED)


class InvoiceLineOutput(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    net = serializers.DecimalField(max_digits=12, decimal_places=2)


class CreditNoteRef(serializers.Serializer):
    number = serializers.CharField()
    issued_on = serializers.DateField()


class InvoiceOutput(serializers.ModelSerializer):
    lines = InvoiceLineOutput(many=True)
    amount_paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_due = serializers.SerializerMethodField()
    credit_note = CreditNoteRef(allow_null=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "number", "customer", "ticket", "status", "issued_on", "due_on", "lines", "net", "vat_rate",
            "vat", "gross", "currency", "amount_paid", "amount_due", "credit_note",
        ]

    def get_amount_due(self, invoice) -> Decimal:
        # Only an open invoice is owed: paid ones are settled, refused and lapsed ones cancelled.
        due = invoice.gross - invoice.amount_paid if invoice.status == Invoice.State.OPEN else Decimal("0.00")
        return f"{due:.2f}"


class InvoiceFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Invoice.State.choices, required=False)
    customer = id_field(required=False)


class InvoiceListApi(generics.ListAPIView):
    serializer_class = InvoiceOutput
    permission_classes = [IsCustomerOrFinance]

    def get_queryset(self):
        filters = InvoiceFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.invoices_filter(selectors.invoices_for_api(user=self.request.user), filters.validated_data)

    @extend_schema(parameters=[InvoiceFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceDetailApi(generics.RetrieveAPIView):
    serializer_class = InvoiceOutput
    permission_classes = [IsCustomerOrFinance]

    def get_queryset(self):
        return selectors.invoices_for_api(user=self.request.user)
