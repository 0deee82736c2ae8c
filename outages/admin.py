from django.contrib import admin

from config.admin import ReadOnlyAdmin
from outages.models import ProviderIncident


@admin.register(ProviderIncident)
class ProviderIncidentAdmin(ReadOnlyAdmin):
    # Read-only: incidents are written, published and resolved on the staff pages and the API (services).
    list_display = ["id", "title_en", "status", "starts_at", "ends_at", "created_by"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    raw_id_fields = ["services"]
