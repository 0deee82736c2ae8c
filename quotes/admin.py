from django.contrib import admin

from billing.admin import DocumentLineInline
from config.admin import ReadOnlyAdmin
from quotes.models import Quote, QuoteLine


class QuoteLineInline(DocumentLineInline):
    model = QuoteLine


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "status", "gross", "currency", "valid_until", "accepted_at"]
    list_filter = ["status"]
    list_select_related = ["ticket"]
    inlines = [QuoteLineInline]
