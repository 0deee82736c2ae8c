from django.contrib import admin

from billing.models import (
    BanEvent,
    CreditNote,
    DiagnosisPrice,
    DocumentCounter,
    FreePeriod,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
    VatRate,
)
from config.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ["country", "rate", "valid_from"]
    list_filter = ["country"]


@admin.register(DiagnosisPrice)
class DiagnosisPriceAdmin(admin.ModelAdmin):
    list_display = ["country", "net", "effective_from", "set_by"]
    list_filter = ["country"]
    readonly_fields = ["set_by"]

    def save_model(self, request, obj, form, change):
        obj.set_by = obj.set_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(FreePeriod)
class FreePeriodAdmin(admin.ModelAdmin):
    list_display = ["starts_on", "ends_on", "countries", "created_by"]
    readonly_fields = ["created_by", "created_at"]


class DocumentLineInline(ReadOnlyInline):
    """The lines of an invoice or a quote (a `DocumentLine`), as issued."""

    readonly_fields = ["position", "description", "quantity", "unit_price", "net"]


class InvoiceLineInline(DocumentLineInline):
    model = InvoiceLine


class PaymentInline(ReadOnlyInline):
    model = Payment
    readonly_fields = [
        "amount",
        "received_on",
        "reference",
        "recorded_by",
        "recorded_at",
        "reversed_at",
        "reversed_by",
        "reversal_reason",
    ]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "status", "issued_on", "due_on", "gross", "currency"]
    list_filter = ["status", "entity", "issued_on"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline, PaymentInline]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice", "issued_on", "reason", "gross"]
    search_fields = ["number", "invoice__number"]
    list_select_related = ["invoice"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Payments are recorded and reversed through their services (who, when, why), never edited here."""

    list_display = ["invoice", "amount", "received_on", "reference", "recorded_by", "reversed_at"]
    list_filter = [("reversed_at", admin.EmptyFieldListFilter)]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice", "recorded_by"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["entity", "series", "year", "last_number"]


@admin.register(BanEvent)
class BanEventAdmin(ReadOnlyAdmin):
    """The ban history is evidence: bans and reinstatements are made through their services, never here."""

    list_display = [
        "customer",
        "kind",
        "reason",
        "invoice",
        "actor",
        "created_at",
        "applied_at",
        "changed_status",
    ]
    list_filter = ["kind", "reason", "changed_status"]
    search_fields = ["customer__name", "invoice__number"]
    list_select_related = ["customer", "invoice", "actor"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds are owed by a refusal or a lapse and marked refunded by finance, through their services."""

    list_display = [
        "customer",
        "invoice",
        "amount",
        "currency",
        "status",
        "created_at",
        "refunded_at",
        "reference",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["customer__name", "invoice__number", "reference"]
    list_select_related = ["customer", "invoice"]
