from django.contrib import admin

from quotes.models import Quote, QuoteLine


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    readonly_fields = ["position", "description", "quantity", "unit_price", "net"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "status", "gross", "currency", "valid_until", "accepted_at"]
    list_filter = ["status"]
    list_select_related = ["ticket"]
    inlines = [QuoteLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
