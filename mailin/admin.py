from django.contrib import admin

from config.admin import ReadOnlyAdmin
from mailin.models import InboundEmail


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    """The record of what the mailbox received and what became of it: written by mailin.services only."""

    list_display = ["received_at", "sender", "subject", "outcome", "reason", "ticket_id", "source"]
    list_filter = ["outcome", "reason", "source"]
    search_fields = ["sender", "subject", "message_id"]
    show_full_result_count = False
