from django.contrib import admin

from config.admin import ReadOnlyAdmin, ReadOnlyInline
from quotes.models import Quote, QuoteLine


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    readonly_fields = ["position", "description", "quantity", "unit_price", "net"]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "status", "gross", "currency", "valid_until", "accepted_at"]
    list_filter = ["status"]
    list_select_related = ["ticket"]
    inlines = [QuoteLineInline]
