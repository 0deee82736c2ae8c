"""Consent for work on customer data (contract: "Consent for work on customer data"; PRIV-01 to PRIV-04).

The tables kept their names (`diagnostics_*`) when these models moved here out of diagnostics: the rows,
the indexes and the append-only trigger of the audit log stayed where they were.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from config.choices import CachedChoiceLabels
from config.transitions import writes
from tickets.models import Ticket


class DataAction(models.TextChoices):
    """What staff may do on a customer's systems within a ticket."""

    READ_DATA = "read_data", _("Read customer data")
    MODIFY_DATA = "modify_data", _("Modify customer data")
    SUSPEND_SERVICE = "suspend_service", _("Suspend the service (emergency)")
    RESCUE_MODE = "rescue_mode", _("Boot into rescue mode (emergency)")


# The same actions as the customer reads them, about their own data; staff read DataAction's labels.
DATA_ACTION_LABELS_TO_CUSTOMER = {
    DataAction.READ_DATA.value: pgettext_lazy("to the customer", "Read your data"),
    DataAction.MODIFY_DATA.value: pgettext_lazy("to the customer", "Modify your data"),
}


def data_action_label(action: str, *, to_customer: bool):
    """The label of a data action (or grant scope) in the words of its reader: the customer or staff."""
    if to_customer and action in DATA_ACTION_LABELS_TO_CUSTOMER:
        return DATA_ACTION_LABELS_TO_CUSTOMER[action]
    return DataAction(action).label


# The grant scopes that allow each action needing consent: `modify_data` covers `read_data`.
SCOPES_ALLOWING = {
    DataAction.READ_DATA.value: (DataAction.READ_DATA.value, DataAction.MODIFY_DATA.value),
    DataAction.MODIFY_DATA.value: (DataAction.MODIFY_DATA.value,),
}
# Emergency actions need no consent, but the customer must be told at once.
EMERGENCY_ACTIONS = (DataAction.SUSPEND_SERVICE.value, DataAction.RESCUE_MODE.value)
GRANT_MAX_HOURS = 72


class AccessRequest(CachedChoiceLabels, FSMModelMixin, models.Model):
    """Staff ask the customer for access to data within one ticket; a grant runs from its grant time."""

    class Scope(models.TextChoices):
        READ_DATA = DataAction.READ_DATA.value, DataAction.READ_DATA.label
        MODIFY_DATA = DataAction.MODIFY_DATA.value, DataAction.MODIFY_DATA.label

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("access request status", "Waiting for the customer")
        GRANTED = "granted", pgettext_lazy("access request status", "Granted")
        DENIED = "denied", pgettext_lazy("access request status", "Denied")
        REVOKED = "revoked", pgettext_lazy("access request status", "Revoked")
        EXPIRED = "expired", pgettext_lazy("access request status", "Expired")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="access_requests")
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    reason = models.TextField(_("reason"))
    duration_hours = models.PositiveSmallIntegerField(_("duration (hours)"))
    # pending → granted | denied | expired (ticket ended first); granted → revoked | expired (time ran out or
    # the ticket ended). Denied, revoked and expired are final: a new access needs a new request.
    status = FSMField(_("status"), default=State.PENDING, choices=State.choices, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "diagnostics_accessrequest"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["ticket", "-id"], name="access_request_ticket_idx"),
            # The expiry sweep and the consent check: grants still marked in force, by end time.
            models.Index(fields=["status", "expires_at"], name="access_request_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_hours__gte=1, duration_hours__lte=GRANT_MAX_HOURS),
                name="access_request_duration_1_to_72_hours",
            ),
            # Every answer names who gave it and when; only a request that was never answered has none.
            models.CheckConstraint(
                condition=Q(status__in=["pending", "expired"]) | Q(decided_at__isnull=False),
                name="access_request_decided_when_answered",
            ),
            models.CheckConstraint(
                condition=Q(status="granted") | Q(status="pending") | Q(ended_at__isnull=False),
                name="access_request_ended_when_final",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("requested_at")),
                name="access_request_expires_after_request",
            ),
        ]

    def __str__(self):
        return f"{self.scope} on ticket {self.ticket_id} ({self.status})"

    def has_time_left(self) -> bool:
        return self.expires_at is not None and self.expires_at > timezone.now()

    def status_at(self, *, now, ticket_status: str) -> str:
        """The status as the customer must see it: a grant past its end is expired even before the sweep."""
        ticket_over = ticket_status in Ticket.FINAL_STATES
        if self.status == self.State.GRANTED and (self.expires_at <= now or ticket_over):
            return self.State.EXPIRED
        if self.status == self.State.PENDING and ticket_over:
            return self.State.EXPIRED
        return self.status

    @writes("decided_by", "decided_at", "expires_at")
    @transition(field=status, source=State.PENDING, target=State.GRANTED)
    def grant(self, *, by, at) -> None:
        self.decided_by = by
        self.decided_at = at
        self.expires_at = at + timedelta(hours=self.duration_hours)

    @writes("decided_by", "ended_by", "decided_at", "ended_at")
    @transition(field=status, source=State.PENDING, target=State.DENIED)
    def deny(self, *, by, at) -> None:
        self.decided_by = self.ended_by = by
        self.decided_at = self.ended_at = at

    # A grant past its end time has already lapsed: revoking it would claim an effect it cannot have.
    @writes("ended_by", "ended_at")
    @transition(
        field=status,
        source=State.GRANTED,
        target=State.REVOKED,
        conditions=[has_time_left],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def revoke(self, *, by, at) -> None:
        self.ended_by = by
        self.ended_at = at

    @writes("ended_at")
    @transition(field=status, source=[State.PENDING, State.GRANTED], target=State.EXPIRED)
    def expire(self, *, at) -> None:
        self.ended_at = at

    @property
    def scope_label_to_customer(self):
        return data_action_label(self.scope, to_customer=True)


class Intervention(CachedChoiceLabels, models.Model):
    """Something staff did on the customer's systems within a ticket, with the grant that allowed it."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="interventions")
    action = models.CharField(_("action"), max_length=20, choices=DataAction.choices)
    description = models.TextField(_("description"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    consent = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )

    class Meta:
        db_table = "diagnostics_intervention"
        ordering = ["-id"]
        indexes = [models.Index(fields=["ticket", "-id"], name="intervention_ticket_idx")]
        constraints = [
            # Work on data always names the grant that allowed it; an emergency action never needs one.
            models.CheckConstraint(
                condition=(Q(action__in=list(SCOPES_ALLOWING)) & Q(consent__isnull=False))
                | (Q(action__in=list(EMERGENCY_ACTIONS)) & Q(consent__isnull=True)),
                name="intervention_consent_iff_data_action",
            ),
        ]

    def __str__(self):
        return f"{self.action} on ticket {self.ticket_id}"

    @property
    def action_label_to_customer(self):
        return data_action_label(self.action, to_customer=True)


class ContactObligation(CachedChoiceLabels, models.Model):
    """What the provider owes the customer in contact: ask before any access, tell after an emergency action.

    Open until resolved: `contacted` when an e-mail (or a contact staff record) reached the customer,
    `answered` when the customer answered the request first, `moot` when the request ended before anyone
    could be reached. The staff queue flags tickets with an open obligation.
    """

    class Kind(models.TextChoices):
        ASK_BEFORE_ACCESS = "ask_before_access", _("Ask the customer before any access to data")
        TELL_AFTER_EMERGENCY = (
            "tell_after_emergency",
            _("Tell the customer at once after an emergency action"),
        )

    class Resolution(models.TextChoices):
        CONTACTED = "contacted", _("The customer was reached")
        ANSWERED = "answered", _("The customer answered the request")
        MOOT = "moot", _("The request ended before the customer could be reached")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="contact_obligations")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    access_request = models.OneToOneField(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="contact_obligation"
    )
    intervention = models.OneToOneField(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="contact_obligation"
    )
    created_at = models.DateTimeField(_("arose at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)

    class Meta:
        db_table = "diagnostics_contactobligation"
        ordering = ["-id"]
        indexes = [
            # The queue's flag and the resend sweep look only at open obligations.
            models.Index(fields=["ticket"], condition=Q(resolved_at__isnull=True), name="contact_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="ask_before_access", access_request__isnull=False, intervention__isnull=True)
                )
                | (Q(kind="tell_after_emergency", intervention__isnull=False, access_request__isnull=True)),
                name="contact_obligation_names_its_cause",
            ),
            models.CheckConstraint(
                condition=(Q(resolved_at__isnull=True) & Q(resolution=""))
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="contact_obligation_resolution_iff_resolved",
            ),
        ]

    def __str__(self):
        return f"{self.kind} on ticket {self.ticket_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CustomerContact(CachedChoiceLabels, models.Model):
    """One contact with the customer: when, through which channel, for which obligation."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        TICKET_PAGE = "ticket_page", _("Ticket page")
        PHONE = "phone", _("Telephone")

    obligation = models.ForeignKey(ContactObligation, on_delete=models.PROTECT, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        db_table = "diagnostics_customercontact"
        ordering = ["obligation", "id"]
        indexes = [models.Index(fields=["obligation", "id"], name="contact_obligation_idx")]

    def __str__(self):
        return f"{self.channel} at {self.at:%Y-%m-%d %H:%M}"


class AppendOnlyError(Exception):
    """Something tried to change or remove an audit record."""

    def __init__(self, message: str = "The consent audit log is append-only.") -> None:
        super().__init__(message)


class AppendOnlyQuerySet(models.QuerySet):
    """The audit log's rows are written once: no bulk path may change or remove them."""

    def update(self, **kwargs):
        raise AppendOnlyError()

    def delete(self):
        raise AppendOnlyError()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError()


class AuditEntry(CachedChoiceLabels, models.Model):
    """One line of the append-only log of consent and access: who, what, when, ticket, grant, outcome.

    Each line carries the hash of the ticket's previous line (a hash chain per ticket), so a line changed
    or removed behind the application's back shows. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    class Event(models.TextChoices):
        ACCESS_REQUESTED = "access_requested", _("Access requested")
        ACCESS_GRANTED = "access_granted", _("Access granted")
        ACCESS_DENIED = "access_denied", _("Access denied")
        ACCESS_REVOKED = "access_revoked", _("Access revoked")
        ACCESS_EXPIRED = "access_expired", _("Access expired")
        INTERVENTION = "intervention", _("Intervention")

    class Outcome(models.TextChoices):
        DONE = "done", pgettext_lazy("audit outcome", "Done")
        REFUSED = "refused", pgettext_lazy("audit outcome", "Refused")

    SYSTEM = "system"  # actor_role of lines written by a sweep, with no person behind them

    at = models.DateTimeField(_("at"))
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    action = models.CharField(_("action or scope"), max_length=20, choices=DataAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("actor's role then"), max_length=10)
    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "diagnostics_auditentry"
        ordering = ["-id"]
        verbose_name = _("consent audit entry")
        verbose_name_plural = _("consent audit log")
        indexes = [
            models.Index(fields=["ticket", "-id"], name="audit_ticket_idx"),
            models.Index(fields=["customer", "-id"], name="audit_customer_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.outcome} on ticket {self.ticket_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError()

    def compute_hash(self) -> str:
        """SHA-256 over the line's content and its predecessor's hash."""
        content = [
            self.previous_hash,
            self.at.isoformat(),
            self.event,
            self.outcome,
            self.action,
            self.actor_id,
            self.actor_role,
            self.customer_id,
            self.ticket_id,
            self.access_request_id,
            self.intervention_id,
            self.detail,
        ]
        return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()
