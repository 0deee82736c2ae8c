from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import CachedChoiceLabels


class InboundEmail(CachedChoiceLabels, models.Model):
    """One e-mail received by the support mailbox (IMAP poll or MTA pipe) and what became of it.

    Written once per Message-ID (unique): a message polled or piped again is recognised and never posts
    twice. Kept whatever the outcome, so staff can see what was refused and why; the mail's text is not
    kept here (an accepted one lives on as its ticket's message).
    """

    class Outcome(models.TextChoices):
        MESSAGE = "message", _("Added to a ticket")
        TICKET = "ticket", _("Opened a ticket")
        REJECTED = "rejected", _("Rejected")

    class Reason(models.TextChoices):
        NONE = "", "—"
        AUTOMATED = "automated", _("Automatic message (auto-reply, list, bounce)")
        LOOP = "loop", _("Mail loop")
        MALFORMED = "malformed", _("No usable sender")
        TOO_LARGE = "too_large", _("Too large")
        UNKNOWN_SENDER = "unknown_sender", _("Sender is not a customer's user")
        BAD_ADDRESS = "bad_address", _("Reply address not valid")
        FOREIGN_SENDER = "foreign_sender", _("Sender not of the ticket's account")
        BANNED = "banned", _("Account banned from support")
        INCIDENT = "incident", _("Incident: sent the link to the portal's form")
        EMPTY = "empty", _("Nothing written")
        INVALID = "invalid", _("Refused by the ticket's rules")

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        PIPE = "pipe", _("MTA pipe")

    # The Message-ID as received (or one made from the message's hash when it has none): the dedup key.
    message_id = models.CharField(max_length=255, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    # What else there is to know: files left out and why, the refusal's message.
    detail = models.TextField(blank=True)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An answer was sent to the sender (the ban notice, the incident form's link).
    answered = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The answers sent to one address lately: a robot writing back in a loop is answered a few times only.
            models.Index(fields=["sender", "received_at"], name="inbound_sender_idx"),
        ]

    def __str__(self):
        return f"{self.message_id} {self.outcome}"
