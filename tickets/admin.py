from django.contrib import admin

from config.admin import ReadOnlyInline
from tickets.models import Attachment, Message, StaffNotice, Ticket, TicketEvent


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


class StaffNoticeInline(ReadOnlyInline):
    """Who of the staff was told what (the e-mails themselves are the outbox's)."""

    model = StaffNotice
    fields = readonly_fields = ("event", "recipient", "address", "created_at")


# What staff may correct in the admin; every other field, one added later too, is only read there. Not
# `suspected_provider_fault`: the customer's claim decides whether the fee is charged (tickets.fees).
CORRECTABLE = ("subject", "description")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets move only through their services; here they are read, and subject or text corrected."""

    list_display = ["id", "subject", "kind", "status", "customer", "assignee", "created_at"]
    list_filter = ["status", "kind", "suspected_provider_fault"]
    search_fields = ["subject", "customer__name"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "created_at"
    readonly_fields = [
        field.name for field in Ticket._meta.fields if not field.primary_key and field.name not in CORRECTABLE
    ]
    inlines = [MessageInline, AttachmentInline, EventInline, StaffNoticeInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
