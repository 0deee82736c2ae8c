from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import CachedChoiceLabels
from tickets.fees import FeeRule, Outcome


class Diagnosis(CachedChoiceLabels, models.Model):
    """The conclusion of an incident's diagnosis. Written once, when the agent concludes."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="diagnosis")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="diagnoses")
    findings = models.TextField(_("findings"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    fee_charged = models.BooleanField(_("fee charged"))
    fee_rule = models.CharField(_("fee rule"), max_length=40, choices=FeeRule.choices)
    concluded_at = models.DateTimeField(_("concluded at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("diagnoses")
        indexes = [models.Index(fields=["fee_rule", "concluded_at"], name="diagnosis_fee_rule_idx")]

    def __str__(self):
        return f"Diagnosis of ticket {self.ticket_id}: {self.outcome}"
