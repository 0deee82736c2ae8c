from django.db import models
from django.db.models import Q
from django.utils import timezone


class SentEmail(models.Model):
    """An e-mail to a customer account (or to the staff about one: a staff notice), recorded in the
    transaction of the event it tells about.

    The outbox of every app's notifications (outbox sits below every app that sends e-mail). The row is
    written with the business change and sent after commit by a task; `sent_at` stays empty until the
    message has gone, and the unique (kind, object_id) means a rerun never sends it twice.
    """

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="emails")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True)
    language = models.CharField(max_length=2, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "billing_sentemail"  # the table it had when billing held the outbox: moved, not copied
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="sent_email_once")]
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="sent_email_pending_idx")
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}"
