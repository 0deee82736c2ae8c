from decimal import Decimal
from typing import TYPE_CHECKING

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import CustomerOutput
from accounts.idempotency import idempotent
from accounts.models import Customer, Service
from accounts.permissions import IsAdmin, IsCustomer, IsCustomerOrFinance, IsFinance
from accounts.selectors import customers_visible_to
from billing import pricing, selectors, services
from billing.models import Invoice, Payment, Refund, VatCategory
from billing.presenters import INVOICE_CSV_LABELS
from billing.tax import Buyer, buyer_of
from config.csv import CsvFormatInput, CsvRenderer, csv_format_from, csv_response
from config.filtering import FilteredListApi
from config.money import to_cents
from config.ratelimit import rate_limited
from config.routing import route
from config.scoped import ScopedActionApi, ScopedApi
from config.serializers import (
    CompiledSerializer,
    id_field,
    money_field,
    object_named,
    optional_boolean,
    text_field,
    valid_input,
)

if TYPE_CHECKING:
    from billing.selectors import InvoiceWithAmounts


class FeeOutput(CompiledSerializer):
    """A diagnosis fee (pricing.Fee): the one priced now, or the one a ticket was opened with."""

    currency = serializers.CharField()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    free = serializers.BooleanField()
    free_reason = serializers.ChoiceField(choices=pricing.FREE_REASONS, allow_null=True)
    # S (standard rate), AE (reverse charge: the business buyer accounts for the VAT), O (outside the EU)
    vat_category = serializers.ChoiceField(choices=VatCategory.choices)


class DiagnosisFeeOutput(FeeOutput):
    country = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        return {"country": fields.pop("country"), **fields}  # first, as the contract lists it


@route("pricing/diagnosis-fee/", name="diagnosis-fee")
class DiagnosisFeeApi(APIView):
    """The fee a ticket opened now would carry, shown before any cost arises."""

    permission_classes = [IsCustomer]

    class Query(serializers.Serializer):
        # A ticket opened on this service of the account: free while a known provider incident affects it.
        service = id_field(required=False)

    @extend_schema(parameters=[Query], responses=DiagnosisFeeOutput)
    def get(self, request):
        service = object_named(
            Service.objects.filter(customer_id=request.user.customer_id),
            valid_input(self.Query, request.query_params).get("service"),
            field="service",
            error="This service does not belong to your account.",
        )
        fee = pricing.diagnosis_fee_for(buyer=buyer_of(request.user.customer), service=service)
        return Response(DiagnosisFeeOutput(fee).data)


class PriceOutput(serializers.Serializer):
    country = serializers.CharField()
    currency = serializers.CharField()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    effective_from = serializers.DateTimeField()


@route("pricing/diagnosis-fees/<str:country>/", name="diagnosis-price")
class DiagnosisPriceSetApi(APIView):
    permission_classes = [IsAdmin]

    class Input(serializers.Serializer):
        net = money_field(min_value=Decimal("0.00"), max_value=Decimal("100000"))

    @extend_schema(request=Input, responses=PriceOutput)
    @rate_limited("money")
    def put(self, request, country: str):
        net = valid_input(self.Input, request.data)["net"]
        price = pricing.diagnosis_price_set(country=country, net=net, by=request.user)
        fee = pricing.diagnosis_fee_for(
            buyer=Buyer(country=price.country, is_business=False), at=price.effective_from
        )
        return Response(
            {
                "country": price.country,
                "currency": fee.currency,
                "net": str(price.net),
                "effective_from": price.effective_from.isoformat(),
            }
        )


class FreePeriodOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    countries = serializers.ListField(child=serializers.CharField())


@route("pricing/free-periods/", name="free-periods")
class FreePeriodCreateApi(APIView):
    permission_classes = [IsAdmin]

    class Input(serializers.Serializer):
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        countries = serializers.ListField(
            child=serializers.CharField(min_length=2, max_length=2),
            max_length=300,
            required=False,
            default=list,
        )

    @extend_schema(request=Input, responses={201: FreePeriodOutput})
    @rate_limited("money")
    def post(self, request):
        period = pricing.free_period_create(by=request.user, **valid_input(self.Input, request.data))
        return Response(FreePeriodOutput(period).data, status=status.HTTP_201_CREATED)


class LineOutput(CompiledSerializer):
    """A line of an invoice or a quote."""

    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    net = serializers.DecimalField(max_digits=12, decimal_places=2)


def priced_document_fields() -> tuple[serializers.Field, ...]:
    """The output fields `lines, net, vat_rate, vat, gross, currency` of an invoice and a quote.

    Unpacked in the class body where the contract lists them, so each output keeps its field order.
    """
    return (
        LineOutput(many=True),
        serializers.DecimalField(max_digits=12, decimal_places=2),
        serializers.DecimalField(max_digits=5, decimal_places=2),
        serializers.DecimalField(max_digits=12, decimal_places=2),
        serializers.DecimalField(max_digits=12, decimal_places=2),
        serializers.CharField(),
    )


class CreditNoteRef(CompiledSerializer):
    number = serializers.CharField()
    issued_on = serializers.DateField()


class InvoiceOutput(CompiledSerializer):
    """An invoice as the contract shows it; read from `selectors.invoices_visible_to` (its amounts)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    status = serializers.ChoiceField(choices=Invoice.State.choices)
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    lines, net, vat_rate, vat, gross, currency = priced_document_fields()
    amount_paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_due = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit_note = CreditNoteRef(allow_null=True)


class InvoiceFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Invoice.State.choices, required=False)
    customer = id_field(required=False)
    issued_from = serializers.DateField(required=False, help_text="Issued on or after this day.")
    issued_to = serializers.DateField(required=False, help_text="Issued on or before this day.")
    due_from = serializers.DateField(required=False, help_text="Due on or after this day.")
    due_to = serializers.DateField(required=False, help_text="Due on or before this day.")
    overdue = optional_boolean(
        help_text="Still open after its due day (true), or not (false).",
    )


@route("invoices/", name="invoices")
class InvoiceListApi(FilteredListApi):
    serializer_class = InvoiceOutput
    permission_classes = [IsCustomerOrFinance]
    query_filter = InvoiceFilter
    visible_to = staticmethod(selectors.invoices_for_api)
    filter_rows = staticmethod(selectors.invoices_filter)


@route("invoices/<int:pk>/", name="invoice")
class InvoiceDetailApi(ScopedApi, generics.RetrieveAPIView):
    serializer_class = InvoiceOutput
    permission_classes = [IsCustomerOrFinance]
    visible_to = staticmethod(selectors.invoices_for_api)


# Getting paid, or not.


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    received_on = serializers.DateField()
    reference = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class InvoicePaymentOutput(InvoiceOutput):
    """The invoice as it stands after the payment, with the payment just recorded."""

    payment = PaymentOutput(source="payment_acted_on")


def invoice_fresh(*, user, pk: int) -> Invoice:
    """Re-read after a use case, so the answer shows what the transaction committed."""
    return selectors.invoices_for_api(user=user).get(pk=pk)


def invoice_with_payment(*, user, payment: Payment) -> Invoice:
    """The payment's invoice re-read after a use case on the payment, with the payment for the output's
    `payment` to show."""
    fresh = invoice_fresh(user=user, pk=payment.invoice_id)
    fresh.payment_acted_on = payment  # type: ignore[attr-defined]
    return fresh


class MoneyActionApi(ScopedActionApi):
    # An action on money (config.scoped), limited per user and per client IP. One that must not act twice
    # when a client retries it declares `post = idempotent(MoneyActionApi.post)`, outside the limit: a
    # replay does not count, and a 429 is not stored as the answer.
    # No docstring: the schema would show it as the description of the views that have none.

    post = rate_limited("money")(ScopedActionApi.post)


@route("invoices/<int:pk>/payments/", name="invoice-payments")
@extend_schema(responses={201: InvoicePaymentOutput})
class InvoicePaymentCreateApi(MoneyActionApi):
    """Finance records money received; the invoice is paid once nothing is due."""

    permission_classes = [IsFinance]
    visible_to = staticmethod(selectors.invoices_visible_to)
    post = idempotent(MoneyActionApi.post)  # a retried payment must not be recorded twice

    class Input(serializers.Serializer):
        amount = money_field()
        received_on = serializers.DateField(required=False)
        reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def act(self, invoice: Invoice, /, *, by, received_on=None, **values) -> Response:
        payment = services.invoice_pay(
            invoice=invoice, by=by, received_on=received_on or timezone.localdate(), **values
        )
        paid = invoice_with_payment(user=self.request.user, payment=payment)
        return Response(InvoicePaymentOutput(paid).data, status=status.HTTP_201_CREATED)


class ReversedPaymentOutput(PaymentOutput):
    reversed_at = serializers.DateTimeField(allow_null=True)
    reversed_by = serializers.IntegerField(source="reversed_by_id", allow_null=True)
    reversal_reason = serializers.CharField()


class InvoicePaymentReversedOutput(InvoiceOutput):
    """The invoice as it stands after the reversal (a paid one open again), with the payment reversed."""

    payment = ReversedPaymentOutput(source="payment_acted_on")


@route("payments/<int:pk>/reverse/", name="payment-reverse")
@extend_schema(responses={200: InvoicePaymentReversedOutput})
class PaymentReverseApi(MoneyActionApi):
    """Finance undoes a payment recorded by mistake (kept, with who, when and why): what it covered is owed
    again. 409 once reversed, or on a refused or lapsed invoice (its payments are owed back as a refund)."""

    permission_classes = [IsFinance]
    visible_to = staticmethod(selectors.payments_visible_to)
    post = idempotent(MoneyActionApi.post)

    class Input(serializers.Serializer):
        reason = text_field(max_length=2000)

    def act(self, payment: Payment, /, *, by, **values) -> Response:
        reversed_payment = services.payment_reverse(payment=payment, by=by, **values)
        owed = invoice_with_payment(user=self.request.user, payment=reversed_payment)
        return Response(InvoicePaymentReversedOutput(owed).data)


@route("invoices/<int:pk>/refuse/", name="invoice-refuse")
@extend_schema(responses={200: InvoiceOutput})
class InvoiceRefuseApi(MoneyActionApi):
    """The customer disputes an invoice: it is cancelled, and the account loses support."""

    permission_classes = [IsCustomer]
    visible_to = staticmethod(selectors.invoices_visible_to)
    post = idempotent(MoneyActionApi.post)

    class Input(serializers.Serializer):
        reason = text_field(max_length=2000)

    def act(self, invoice: Invoice, /, *, by, **values) -> Response:
        services.invoice_refuse(invoice=invoice, by=by, **values)
        return Response(InvoiceOutput(invoice_fresh(user=self.request.user, pk=invoice.pk)).data)


class RefundOutput(CompiledSerializer):
    """Money owed back to a customer: what it paid on an invoice refused or lapsed since (a full credit note),
    or an SLA credit (`credit_note`, its own credit note)."""

    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    invoice = serializers.IntegerField(
        source="invoice_id", allow_null=True, help_text="Null for an SLA credit."
    )
    invoice_number = serializers.CharField(allow_null=True)
    credit_note = serializers.IntegerField(
        source="credit_note_id",
        allow_null=True,
        help_text="The SLA credit note; null for an invoice's refund.",
    )
    credit_note_number = serializers.CharField(allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=Refund.State.choices)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()
    refunded_at = serializers.DateTimeField(allow_null=True)
    refunded_by = serializers.IntegerField(source="refunded_by_id", allow_null=True)


class RefundFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Refund.State.choices, required=False)
    customer = id_field(required=False)


@route("refunds/", name="refunds")
class RefundListApi(FilteredListApi):
    """Refunds owed and made, newest first: what customers paid on invoices cancelled in full since."""

    serializer_class = RefundOutput
    permission_classes = [IsFinance]
    query_filter = RefundFilter
    visible_to = staticmethod(selectors.refunds_visible_to)
    filter_rows = staticmethod(selectors.refunds_filter)


@route("refunds/<int:pk>/mark-refunded/", name="refund-mark-refunded")
@extend_schema(responses={200: RefundOutput})
class RefundMarkRefundedApi(MoneyActionApi):
    """Finance records that the money was sent back, with the transfer's reference; 409 once it is."""

    permission_classes = [IsFinance]
    visible_to = staticmethod(selectors.refunds_visible_to)
    post = idempotent(MoneyActionApi.post)

    class Input(serializers.Serializer):
        reference = text_field(max_length=200)

    def act(self, refund: Refund, /, *, by, **values) -> Response:
        services.refund_mark_refunded(refund=refund, by=by, **values)
        return Response(RefundOutput(self.get_queryset().get(pk=refund.pk)).data)


@route("customers/<int:pk>/reinstate/", name="customer-reinstate")
@extend_schema(responses={200: CustomerOutput})
class CustomerReinstateApi(MoneyActionApi):
    """Finance or an admin gives a banned account its support back."""

    permission_classes = [IsFinance]
    visible_to = staticmethod(customers_visible_to)

    class Input(serializers.Serializer):
        reason = text_field(max_length=2000)

    def act(self, customer: Customer, /, *, by, **values) -> Response:
        reinstated = services.customer_reinstate(customer=customer, by=by, **values)
        return Response(CustomerOutput(reinstated).data)


class BanEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    invoice_number = serializers.CharField(source="invoice.number", allow_null=True, default=None)
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    created_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(allow_null=True)
    changed_status = serializers.BooleanField()


@route("customers/<int:pk>/bans/", name="customer-bans")
class CustomerBanHistoryApi(generics.ListAPIView):
    """An account's bans and reinstatements, newest first: finance and admins, and the account's own users."""

    serializer_class = BanEventOutput
    permission_classes = [IsCustomerOrFinance]

    def get_queryset(self):
        customer = get_object_or_404(customers_visible_to(user=self.request.user), pk=self.kwargs["pk"])
        return selectors.ban_events_for(customer_id=customer.pk)


@route("invoices/export.csv", name="invoices-csv")
class InvoiceExportCsvApi(InvoiceListApi):
    """The invoice list as CSV, with the list's filters; streamed, so any number of rows fits. By default
    comma-separated with decimal points and the columns' names; `sep`, `decimal` and `header` ask for a
    spreadsheet's format (`sep=semicolon&decimal=comma&header=labels` for French or German Excel)."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    pagination_class = None  # the whole list, streamed
    visible_to = staticmethod(selectors.invoices_visible_to)  # the columns need no lines

    COLUMNS = [
        "number",
        "customer",
        "customer_name",
        "status",
        "issued_on",
        "due_on",
        "net",
        "vat_rate",
        "vat",
        "gross",
        "currency",
        "amount_paid",
        "amount_due",
        "credit_note",
        "credit_note_issued_on",
    ]

    @extend_schema(
        parameters=[InvoiceFilter, CsvFormatInput], responses={(200, "text/csv"): OpenApiTypes.STR}
    )
    def get(self, request):
        fmt = csv_format_from(valid_input(CsvFormatInput, request.query_params))
        queryset = self.get_queryset().select_related("credit_note").order_by("-id")
        rows = (self._row(invoice) for invoice in queryset.iterator(chunk_size=1000))
        return csv_response(self.COLUMNS, rows, filename="invoices.csv", fmt=fmt, labels=INVOICE_CSV_LABELS)

    @staticmethod
    def _row(invoice: "InvoiceWithAmounts") -> list:
        credit_note = getattr(invoice, "credit_note", None)
        return [
            invoice.number,
            invoice.customer_id,
            invoice.customer_name,
            invoice.status,
            invoice.issued_on,
            invoice.due_on,
            invoice.net,
            invoice.vat_rate,
            invoice.vat,
            invoice.gross,
            invoice.currency,
            to_cents(invoice.amount_paid),  # a sum: "0.00", not "0", when nothing was paid
            to_cents(invoice.amount_due),
            credit_note.number if credit_note else "",
            credit_note.issued_on if credit_note else "",
        ]
