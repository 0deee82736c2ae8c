from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from config.choices import CachedChoiceLabels
from config.money import MONEY_DIGITS
from config.transitions import writes
from documents.models import DocumentKind


class VatCategory(models.TextChoices):
    """EN 16931 VAT category codes (UNTDID 5305) the provider invoices under (billing.tax decides)."""

    STANDARD = "S", _("Standard rate")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    OUTSIDE_SCOPE = "O", _("Outside the scope of VAT")


def vat_category_field():
    return models.CharField(
        _("VAT category"),
        max_length=2,
        choices=VatCategory.choices,
        default=VatCategory.STANDARD,
    )


class VatRate(models.Model):
    """A country's standard VAT rate from a date on; the rate applied is the one valid on the day."""

    country = models.CharField(_("country"), max_length=2)
    rate = models.DecimalField(
        _("rate (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["country", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["country", "valid_from"], name="vat_rate_unique_day")]

    def __str__(self):
        return f"{self.country} {self.rate} % from {self.valid_from}"


class DiagnosisPrice(models.Model):
    """The net diagnosis fee of a country from a moment on; history is kept, never edited."""

    country = models.CharField(_("country"), max_length=2)
    net = models.DecimalField(_("net"), validators=[MinValueValidator(0)], **MONEY_DIGITS)
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["country", "-effective_from"]
        indexes = [models.Index(fields=["country", "-effective_from"], name="diagnosis_price_lookup_idx")]

    def __str__(self):
        return f"{self.country} {self.net} from {self.effective_from:%Y-%m-%d %H:%M}"


class FreePeriod(models.Model):
    """Days on which incident diagnoses are free (introductory offer); no countries means all."""

    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    countries = models.JSONField(_("countries"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="free_period_order")
        ]

    def __str__(self):
        return f"{self.starts_on} – {self.ends_on} {','.join(self.countries) or 'all'}"


class DocumentCounter(CachedChoiceLabels, models.Model):
    """The last number drawn in one legal series; locked while a number is drawn, so no gaps."""

    Series = DocumentKind  # one series of numbers per kind of document

    entity = models.ForeignKey("accounts.BillingEntity", on_delete=models.PROTECT)
    series = models.CharField(max_length=20, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "series", "year"], name="document_counter_unique_series"
            )
        ]

    def __str__(self):
        return f"{self.entity.country} {self.series} {self.year}: {self.last_number}"


class Invoice(CachedChoiceLabels, FSMModelMixin, models.Model):
    """An issued invoice. Its lines and amounts are a snapshot and are never edited."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("invoice status", "Open")
        PAID = "paid", pgettext_lazy("invoice status", "Paid")
        REFUSED = "refused", pgettext_lazy("invoice status", "Refused")
        LAPSED = "lapsed", pgettext_lazy("invoice status", "Lapsed")

    entity = models.ForeignKey("accounts.BillingEntity", on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="invoices")
    # The support case this invoice bills, by its number: billing bills lines to an account and knows
    # nothing of tickets (the tickets app, above, reads its invoices through tickets.models.TicketInvoice).
    # The column keeps its foreign key to tickets_ticket in the database.
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    number = models.CharField(_("number"), max_length=32, unique=True)
    # open → paid (fully paid) | refused (customer disputes it) | lapsed (unpaid after the due day);
    # paid → open again when finance reverses a payment recorded by mistake
    status = FSMField(default=State.OPEN, choices=State.choices, protected=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    service_date = models.DateField(_("date of the service"))
    charges_diagnosis_fee = models.BooleanField(default=False)
    net = models.DecimalField(**MONEY_DIGITS)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat = models.DecimalField(**MONEY_DIGITS)
    gross = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3)
    # The buyer as it stood at issue: later edits of the account do not change an issued invoice.
    customer_name = models.CharField(max_length=200)
    customer_address = models.TextField(blank=True)
    customer_vat_id = models.CharField(max_length=20, blank=True)
    customer_country = models.CharField(max_length=2, default="")
    customer_is_business = models.BooleanField(default=False)
    language = models.CharField(_("document language"), max_length=2, default="")
    vat_category = vat_category_field()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=F("net") + F("vat")), name="invoice_gross_is_net_plus_vat"
            ),
            models.CheckConstraint(condition=Q(net__gt=0), name="invoice_net_positive"),
            # The diagnosis fee of a ticket is billed at most once.
            models.UniqueConstraint(
                fields=["ticket_id"],
                condition=Q(charges_diagnosis_fee=True),
                name="invoice_one_diagnosis_fee_per_ticket",
            ),
        ]
        indexes = [
            # The lapse sweep (open, due before a day) and finance's unpaid list, a keyset in (due_on, id)
            # order: with the id in the index, a page reads 26 entries instead of sorting a whole due day.
            models.Index(fields=["status", "due_on", "id"], name="invoice_status_due_idx"),
            models.Index(fields=["customer", "-id"], name="invoice_customer_idx"),
            models.Index(fields=["status", "-id"], name="invoice_status_idx"),
        ]

    def __str__(self):
        return self.number

    @writes("closed_at")
    @transition(field=status, source=State.OPEN, target=State.PAID)
    def mark_paid(self, *, at) -> None:
        self.closed_at = at

    @writes("closed_at")
    @transition(field=status, source=State.PAID, target=State.OPEN)
    def reopen(self) -> None:
        """A payment reversed: what it covered is owed again."""
        self.closed_at = None

    @writes("closed_at")
    @transition(field=status, source=State.OPEN, target=State.REFUSED)
    def refuse(self, *, at) -> None:
        self.closed_at = at

    @writes("closed_at")
    @transition(field=status, source=State.OPEN, target=State.LAPSED)
    def lapse(self, *, at) -> None:
        self.closed_at = at


class DocumentLine(models.Model):
    """A line of a priced document (an invoice, a quote), numbered from 1; its net is rounded on its own."""

    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(**MONEY_DIGITS)
    net = models.DecimalField(**MONEY_DIGITS)

    class Meta:
        abstract = True

    def __str__(self):
        return self.description


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]


class PaymentQuerySet(models.QuerySet["Payment"]):
    def standing(self) -> "PaymentQuerySet":
        """The payments that count: not reversed. What was paid, owed back or reported sums these only."""
        return self.filter(reversed_at__isnull=True)


class Payment(models.Model):
    """Money received for an invoice. Never edited nor deleted; one recorded by mistake is reversed, and stays."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(validators=[MinValueValidator(Decimal("0.01"))], **MONEY_DIGITS)
    received_on = models.DateField()
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    # A reversal (a payment recorded by mistake): who, when and why; set once, never cleared.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    # A default in the database too: bulk loads (ops seed_scale's COPY) name only a payment's own columns.
    reversal_reason = models.CharField(
        _("reason for the reversal"), max_length=2000, blank=True, default="", db_default=""
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""),
                name="payment_reversal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.amount} on {self.invoice}"

    def reverse(self, *, reason: str, at, by) -> None:
        self.reversed_at = at
        self.reversed_by = by
        self.reversal_reason = reason


# What a cancellation's credit note repeats of the invoice it cancels (the invoice's columns of the same names).
CANCELLED_INVOICE_FIELDS = (
    "vat_rate",
    "vat_category",
    "service_date",
    "customer_name",
    "customer_address",
    "customer_vat_id",
    "customer_country",
    "customer_is_business",
    "language",
)


class CreditNote(CachedChoiceLabels, models.Model):
    """A credit note, in the entity's one gap-free series (FR-2026-C000001), of one of two kinds.

    A cancellation cancels one invoice in full (refusal or lapse) and cites its number and date; an SLA credit
    grants the customer part of a service's monthly price back under its service level agreement (the credits
    app decides it) and cites no invoice: its one line says what it credits. Either way every credit note
    carries its buyer, rate and VAT category as they stood at issue.
    """

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", _("Cancellation")
        SLA_CREDIT = "sla_credit", _("SLA credit")

    # Defaults in the database too: bulk loads (ops seed_scale's COPY) name only a cancellation's columns.
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.CANCELLATION,
        db_default=Kind.CANCELLATION,
    )
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="credit_note", null=True, blank=True
    )
    entity = models.ForeignKey(
        "accounts.BillingEntity", on_delete=models.PROTECT, related_name="credit_notes"
    )
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="credit_notes", null=True, blank=True
    )
    number = models.CharField(max_length=32, unique=True)
    issued_on = models.DateField()
    # A cancellation's cause (the invoice's new status: refused | lapsed); sla_credit for an SLA credit.
    reason = models.CharField(max_length=20)
    # An SLA credit's one line: the service, the hours of unavailability and the rate applied.
    description = models.CharField(max_length=500, blank=True, default="", db_default="")
    net = models.DecimalField(**MONEY_DIGITS)
    vat = models.DecimalField(**MONEY_DIGITS)
    gross = models.DecimalField(**MONEY_DIGITS)
    currency = models.CharField(max_length=3)
    # The buyer and the VAT as they stood at issue (a cancellation's are its invoice's).
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    vat_category = models.CharField(
        _("VAT category"), max_length=2, choices=VatCategory.choices, blank=True, default="", db_default=""
    )
    service_date = models.DateField(_("date of the service"), null=True, blank=True)
    customer_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    customer_address = models.TextField(blank=True, default="", db_default="")
    customer_vat_id = models.CharField(max_length=20, blank=True, default="", db_default="")
    customer_country = models.CharField(max_length=2, blank=True, default="", db_default="")
    customer_is_business = models.BooleanField(default=False, db_default=False)
    language = models.CharField(_("document language"), max_length=2, blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="cancellation", invoice__isnull=False)
                | Q(kind="sla_credit", invoice__isnull=True),
                name="credit_note_cites_iff_cancellation",
            ),
            models.CheckConstraint(
                condition=Q(gross=F("net") + F("vat")), name="credit_note_gross_is_net_plus_vat"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-id"], name="credit_note_customer_idx")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # A cancellation repeats the account, buyer and VAT of the invoice it cancels: written here for a
        # single create (the services' bulk inserts name them).
        if self._state.adding and self.invoice is not None and self.customer_id is None:
            self.customer_id = self.invoice.customer_id
            for field in CANCELLED_INVOICE_FIELDS:
                setattr(self, field, getattr(self.invoice, field))
        super().save(*args, **kwargs)

    @property
    def is_sla_credit(self) -> bool:
        return self.kind == self.Kind.SLA_CREDIT


class BanEvent(CachedChoiceLabels, models.Model):
    """The history of an account's support bans and reinstatements; rows are added, never edited away.

    A ban is recorded, and its account banned, in the transaction that causes it (a refusal, a lapse),
    with `applied_at` empty: its slow part (the account's open tickets cancelled, the e-mail) is carried
    out right after commit by a task, and the hourly sweep carries out any still pending, so a broker
    outage at the moment of the refusal delays it but never loses it, and never lets a ticket in.
    """

    class Kind(models.TextChoices):
        BAN = "ban", _("Ban")
        REINSTATEMENT = "reinstatement", _("Reinstatement")

    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="ban_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A ban's cause (refused_invoice | unpaid_invoice); empty for a reinstatement.
    reason = models.CharField(max_length=20, blank=True)
    # The customer's words when refusing, or finance's when reinstating.
    note = models.TextField(blank=True)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="ban_events"
    )
    # Who caused it; empty when the sweep lapsed an unpaid invoice.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Empty while the ban's slow part (open tickets cancelled, e-mail) is still to be carried out.
    applied_at = models.DateTimeField(null=True, blank=True)
    # False when the account was already banned by an earlier invoice: the event is history only.
    changed_status = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One ban per refused or lapsed invoice, however often the sweep or the task runs.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(kind="ban"), name="ban_event_one_per_invoice"
            ),
            models.CheckConstraint(
                condition=Q(kind="reinstatement")
                | (Q(kind="ban") & Q(invoice__isnull=False) & ~Q(reason="")),
                name="ban_event_ban_has_cause",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-id"], name="ban_event_customer_idx"),
            models.Index(fields=["id"], condition=Q(applied_at__isnull=True), name="ban_event_pending_idx"),
            models.Index(fields=["kind", "applied_at"], name="ban_event_month_idx"),
        ]

    def __str__(self):
        return f"{self.kind} of customer {self.customer_id} ({self.reason or self.note[:30]})"


class Refund(CachedChoiceLabels, FSMModelMixin, models.Model):
    """Money owed back to a customer: what it had paid on an invoice that a credit note then cancelled in full,
    or the amount of an SLA credit note.

    A refusal or a lapse cancels the whole invoice (LAW-08, LAW-19: the customer owes nothing more), so
    whatever was paid on it is the customer's again; recorded in the transaction that cancels the invoice,
    and owed until finance records the transfer back. An SLA credit is the customer's money the same way,
    recorded in the transaction that issues its credit note.
    """

    class State(models.TextChoices):
        OWED = "owed", pgettext_lazy("refund status", "Owed")
        REFUNDED = "refunded", pgettext_lazy("refund status", "Refunded")

    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="refunds")
    # What the money is owed for: the cancelled invoice, or the SLA credit note (exactly one of them).
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="refund", null=True, blank=True
    )
    credit_note = models.OneToOneField(
        CreditNote, on_delete=models.PROTECT, related_name="refund", null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), **MONEY_DIGITS)
    currency = models.CharField(max_length=3)
    # owed (the invoice was cancelled after a payment) → refunded (finance sent the money back)
    status = FSMField(default=State.OWED, choices=State.choices, protected=True)
    # The bank transfer's reference, given when the refund is recorded.
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, credit_note__isnull=True)
                | Q(invoice__isnull=True, credit_note__isnull=False),
                name="refund_for_invoice_or_credit_note",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="refund_status_idx"),
            models.Index(fields=["customer", "-id"], name="refund_customer_idx"),
        ]

    def __str__(self):
        if self.invoice_id is None:
            return f"{self.amount} {self.currency} for credit note {self.credit_note_id}"
        return f"{self.amount} {self.currency} on invoice {self.invoice_id}"

    @property
    def invoice_number(self) -> str | None:
        return self.invoice.number if self.invoice is not None else None

    @property
    def credit_note_number(self) -> str | None:
        """The SLA credit note it is owed for; None for an invoice's refund."""
        return self.credit_note.number if self.credit_note is not None else None

    @writes("reference", "refunded_at", "refunded_by")
    @transition(field=status, source=State.OWED, target=State.REFUNDED)
    def mark_refunded(self, *, reference: str, at, by) -> None:
        self.reference = reference
        self.refunded_at = at
        self.refunded_by = by
