from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import CachedChoiceLabels


def document_storage_name(instance, filename: str) -> str:
    """Where a document's PDF is kept: its kind, its id and its hash, so a name is never written twice."""
    return f"documents/{instance.kind}/{instance.object_id}-{instance.sha256}.pdf"


class DocumentKind(models.TextChoices):
    """The legal documents the provider issues: each has its number series (billing.DocumentCounter) and
    its stored PDF (StoredDocument)."""

    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    QUOTE = "quote", _("Quote")


class StoredDocument(CachedChoiceLabels, models.Model):
    """The exact bytes of an issued PDF, rendered once; downloads return these bytes.

    The bytes are a file of the default storage (the object store shared by every node, or MEDIA_ROOT on
    one machine), named by `document_storage_name`; `sha256` is their digest, checked at every read.
    Documents stored before the object store kept their bytes in `content`, which is empty for the others.
    """

    Kind = DocumentKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=document_storage_name, max_length=200, blank=True, default="")
    content = models.BinaryField(blank=True, default=b"")
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Moved from billing with its table: the immutability trigger of billing's migration 0004 names it.
        db_table = "billing_storeddocument"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="stored_document_once")]

    def __str__(self):
        return f"{self.kind} {self.object_id}"
