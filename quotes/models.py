from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from billing.models import DocumentLine, vat_category_field
from config.choices import CachedChoiceLabels
from config.money import MONEY_DIGITS
from config.transitions import writes


class Quote(CachedChoiceLabels, FSMModelMixin, models.Model):
    """The price of the fix, sent with the diagnosis; accepting it starts the work with no prepayment."""

    class State(models.TextChoices):
        SENT = "sent", pgettext_lazy("quote status", "Sent")
        ACCEPTED = "accepted", pgettext_lazy("quote status", "Accepted")
        DECLINED = "declined", pgettext_lazy("quote status", "Declined")
        EXPIRED = "expired", pgettext_lazy("quote status", "Expired")

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="quote")
    # sent → accepted (work starts at once) | declined | expired (not decided by valid_until)
    status = FSMField(default=State.SENT, choices=State.choices, protected=True)
    # Per entity and year, gap-free like invoices (FR-2026-Q000001); empty on quotes sent before the series.
    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    net = models.DecimalField(**MONEY_DIGITS)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_category = vat_category_field()
    vat = models.DecimalField(**MONEY_DIGITS)
    gross = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3)
    sent_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # One invoice per accepted quote (with the diagnosis fee when it is due).
    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="quote"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "valid_until"], name="quote_expiry_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=F("net") + F("vat")), name="quote_gross_is_net_plus_vat"
            ),
        ]

    def __str__(self):
        return f"Quote {self.pk} for ticket {self.ticket_id}"

    def is_valid_today(self) -> bool:
        return timezone.localdate() <= self.valid_until

    def is_past_validity(self) -> bool:
        return timezone.localdate() > self.valid_until

    @writes("accepted_at", "decided_at", "decided_by")
    @transition(
        field=status,
        source=State.SENT,
        target=State.ACCEPTED,
        conditions=[is_valid_today],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def accept(self, *, by) -> None:
        self.accepted_at = self.decided_at = timezone.now()
        self.decided_by = by

    @writes("decided_at", "decided_by")
    @transition(field=status, source=State.SENT, target=State.DECLINED)
    def decline(self, *, by) -> None:
        self.decided_at = timezone.now()
        self.decided_by = by

    @writes("decided_at")
    @transition(
        field=status,
        source=State.SENT,
        target=State.EXPIRED,
        conditions=[is_past_validity],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def expire(self) -> None:
        self.decided_at = timezone.now()


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="lines")

    class Meta:
        ordering = ["quote", "position"]
        constraints = [models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position")]
