from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import CachedChoiceLabels


class StoredDocument(CachedChoiceLabels, models.Model):
    """The exact bytes of an issued PDF, rendered once; downloads return these bytes."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        QUOTE = "quote", _("Quote")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Moved from billing with its table: the immutability trigger of billing's migration 0004 names it.
        db_table = "billing_storeddocument"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="stored_document_once")]

    def __str__(self):
        return f"{self.kind} {self.object_id}"
