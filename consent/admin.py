from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdmin, ReadOnlyInline
from consent.models import AccessRequest, AuditEntry, ContactObligation, CustomerContact, Intervention
from consent.presenters import audit_outcome_label


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "ticket",
        "scope",
        "status",
        "duration_hours",
        "requested_by",
        "requested_at",
        "expires_at",
    ]
    list_filter = ["status", "scope"]
    list_select_related = ["ticket", "requested_by"]
    search_fields = ["=id", "=ticket__id"]
    date_hierarchy = "requested_at"


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "action", "agent", "performed_at", "consent"]
    list_filter = ["action"]
    list_select_related = ["ticket", "agent"]
    search_fields = ["=id", "=ticket__id"]
    date_hierarchy = "performed_at"


class CustomerContactInline(ReadOnlyInline):
    model = CustomerContact
    fields = readonly_fields = ("channel", "at", "recipients", "recorded_by", "note")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactObligation)
class ContactObligationAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "kind", "created_at", "resolved_at", "resolution"]
    list_filter = ["kind", "resolution"]
    list_select_related = ["ticket"]
    search_fields = ["=id", "=ticket__id"]
    inlines = [CustomerContactInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The append-only log: read and search only (the model and, on PostgreSQL, a trigger refuse changes)."""

    list_display = [
        "id",
        "at",
        "event",
        "outcome_label",
        "action",
        "actor",
        "actor_role",
        "ticket",
        "access_request",
    ]
    list_filter = ["event", "outcome", "action", "actor_role"]
    list_select_related = ["actor", "ticket"]
    search_fields = ["=id", "=ticket__id", "actor__email"]
    date_hierarchy = "at"

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_label(self, entry):
        return audit_outcome_label(entry)

    def get_actions(self, request):
        return {}  # not even the bulk "delete selected"
