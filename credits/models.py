from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.choices import CachedChoiceLabels
from config.money import MONEY_DIGITS


class SlaCredit(CachedChoiceLabels, models.Model):
    """The assessment of an SLA claim (a ticket of kind `sla_claim`): granted, with the hours confirmed, the
    rates applied and the credit note issued; or refused, with the reason.

    Written once, in the transaction that closes the claim's ticket under its row lock: the ticket's own
    state machine (open → closed) is the claim's, so a second assessment finds it closed (409), and the row
    has no state of its own to move. Never edited.
    """

    class Status(models.TextChoices):
        GRANTED = "granted", pgettext_lazy("SLA credit status", "Granted")
        REFUSED = "refused", pgettext_lazy("SLA credit status", "Refused")

    class Refusal(models.TextChoices):
        # By the contract a banned account loses every SLA claim.
        SUPPORT_BANNED = "support_banned", _("The account is banned from support")
        NOT_COVERED = "not_covered", _("Not covered by the SLA")

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="sla_credit")
    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="sla_credits")
    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="sla_credits"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # A grant: the hours of unavailability staff confirmed, the rates and the monthly price it was computed
    # with (credits.rules), and the credit note that grants it.
    hours = models.DecimalField(_("hours of unavailability"), max_digits=5, decimal_places=2, null=True)
    percent_per_hour = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    cap_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    percent = models.DecimalField(
        _("percent of the monthly price"), max_digits=9, decimal_places=4, null=True
    )
    monthly_price = models.DecimalField(null=True, **MONEY_DIGITS)
    amount = models.DecimalField(_("credit (net)"), null=True, **MONEY_DIGITS)
    currency = models.CharField(max_length=3, blank=True)
    credit_note = models.OneToOneField(
        "billing.CreditNote", on_delete=models.PROTECT, null=True, blank=True, related_name="sla_credit"
    )
    # A refusal: why, as a code and in the staff's words (shown to the customer).
    refusal = models.CharField(_("refusal"), max_length=20, choices=Refusal.choices, blank=True)
    note = models.TextField(_("reason"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("SLA credit")
        verbose_name_plural = _("SLA credits")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status="granted",
                    hours__gt=0,
                    amount__gt=0,
                    credit_note__isnull=False,
                    service__isnull=False,
                    refusal="",
                )
                | Q(status="refused", credit_note__isnull=True, amount__isnull=True) & ~Q(refusal=""),
                name="sla_credit_granted_or_refused",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-id"], name="sla_credit_customer_idx"),
            models.Index(fields=["status", "-id"], name="sla_credit_status_idx"),
        ]

    def __str__(self):
        return f"SLA credit of ticket {self.ticket_id}: {self.status}"

    @property
    def is_granted(self) -> bool:
        return self.status == self.Status.GRANTED

    @property
    def refusal_or_none(self) -> str | None:
        return self.refusal or None
