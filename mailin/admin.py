from django.contrib import admin

from mailin.models import InboundEmail


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Read-only: the record of what the mailbox received and what became of it."""

    list_display = ["received_at", "sender", "subject", "outcome", "reason", "ticket_id", "source"]
    list_filter = ["outcome", "reason", "source"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = False
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
