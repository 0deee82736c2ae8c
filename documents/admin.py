from django.contrib import admin

from config.admin import ReadOnlyAdmin
from documents.models import StoredDocument


@admin.register(StoredDocument)
class StoredDocumentAdmin(ReadOnlyAdmin):
    list_display = ["kind", "object_id", "sha256", "rendered_at"]
    exclude = ["content"]
