from django.contrib import admin

from config.admin import ReadOnlyAdmin
from credits.models import SlaCredit


@admin.register(SlaCredit)
class SlaCreditAdmin(ReadOnlyAdmin):
    """Read-only: a claim is assessed through its services (the staff portal, the API)."""

    list_display = [
        "id",
        "ticket",
        "customer",
        "service",
        "status",
        "hours",
        "amount",
        "currency",
        "credit_note",
    ]
    list_filter = ["status", "refusal"]
    list_select_related = ["ticket", "customer", "service", "credit_note"]
    search_fields = ["=id", "=ticket__id", "customer__name"]
    date_hierarchy = "assessed_at"
