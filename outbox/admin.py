from django.contrib import admin

from config.admin import ReadOnlyAdmin
from outbox.models import SentEmail


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    list_display = ["kind", "object_id", "customer", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["kind"]
    search_fields = ["recipients"]
    list_select_related = ["customer"]
