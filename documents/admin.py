from django.contrib import admin

from config.admin import ReadOnlyAdmin
from documents.models import StoredDocument


@admin.register(StoredDocument)
class StoredDocumentAdmin(ReadOnlyAdmin):
    """Metadata only: the PDF is downloaded through the portals' and the API's checked views; no link to the
    stored object (a signed URL of the object store) is put in the page."""

    list_display = ["kind", "object_id", "sha256", "rendered_at"]
    exclude = ["content", "file"]
    readonly_fields = ["stored_as"]

    @admin.display(description="stored as")
    def stored_as(self, obj: StoredDocument) -> str:
        return obj.file.name or "in the database (before the object store)"
