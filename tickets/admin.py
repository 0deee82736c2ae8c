from django.contrib import admin

from config.admin import ReadOnlyInline
from tickets.models import Attachment, Message, Ticket, TicketEvent


class MessageInline(ReadOnlyInline):
    model = Message
    readonly_fields = ["author", "body", "created_at"]


class AttachmentInline(ReadOnlyInline):
    """Metadata only: the file itself is served by the portals' checked download view."""

    model = Attachment
    fields = readonly_fields = ("message", "original_name", "kind", "size", "sha256", "created_at")


class EventInline(ReadOnlyInline):
    model = TicketEvent
    readonly_fields = ["verb", "actor", "public", "detail", "created_at"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets move only through their services; here they are read, and subject or text corrected."""

    list_display = ["id", "subject", "kind", "status", "customer", "assignee", "created_at"]
    list_filter = ["status", "kind", "suspected_provider_fault"]
    search_fields = ["subject", "customer__name"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "customer",
        "opened_by",
        "kind",
        "service",
        "status",
        "assignee",
        "created_at",
        "fee_currency",
        "fee_net",
        "fee_vat_rate",
        "fee_vat",
        "fee_gross",
        "fee_free",
        "fee_free_reason",
        "diagnosis_started_at",
        "diagnosis_concluded_at",
        "work_started_at",
        "ended_at",
        "answer",
        "work_report",
    ]
    inlines = [MessageInline, AttachmentInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
