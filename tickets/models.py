from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from billing.models import VatCategory
from billing.pricing import Fee
from config.choices import CachedChoiceLabels
from config.money import MONEY_DIGITS
from config.transitions import writes
from tickets import sla


class TicketManager(models.Manager):
    def get_queryset(self):
        # The search vector is the database's (tickets/search.py): never read into Python, so never
        # written back by save(), and a long thread's vector does not travel with every list.
        return super().get_queryset().defer("search_vector")


class Ticket(CachedChoiceLabels, FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident (paid diagnosis)")
        TECHNICAL = "technical", _("Technical question")
        COMMERCIAL = "commercial", _("Commercial question")
        SLA_CLAIM = "sla_claim", _("SLA claim")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("ticket status", "Open")
        DIAGNOSING = "diagnosing", pgettext_lazy("ticket status", "Diagnosing")
        QUOTE_SENT = "quote_sent", pgettext_lazy("ticket status", "Quote sent")
        IN_WORK = "in_work", pgettext_lazy("ticket status", "In work")
        RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("ticket status", "Cancelled")

    FINAL_STATES = (State.RESOLVED, State.CLOSED, State.CANCELLED)
    # An incident whose work has started and not ended: it runs to its end even for a banned account.
    RUNNING_STATES = (State.DIAGNOSING, State.QUOTE_SENT, State.IN_WORK)

    # Indexed by ticket_customer_idx and ticket_customer_status_idx below, which start with it.
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    suspected_provider_fault = models.BooleanField(_("customer suspects a provider fault"), default=False)
    # The known provider incident that explains the ticket: set when it is opened on an affected service
    # while the incident is under way (the fee is then free), or when staff link it (outages).
    provider_incident = models.ForeignKey(
        "outages.ProviderIncident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # An SLA claim's period of unavailability of its service, as the customer states it (the credits app
    # assesses the claim); empty for the other kinds.
    outage_started_at = models.DateTimeField(_("unavailable from"), null=True, blank=True)
    outage_ended_at = models.DateTimeField(_("unavailable until"), null=True, blank=True)
    # incident: open → diagnosing → resolved | closed | quote_sent; quote_sent → in_work → resolved;
    #           quote_sent → closed (declined or expired); open → cancelled.
    # other kinds: open → closed (answered) | cancelled.
    status = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # The diagnosis fee exactly as shown and accepted when the ticket was opened (incidents only).
    fee_currency = models.CharField(max_length=3, blank=True)
    fee_net = models.DecimalField(null=True, blank=True, **MONEY_DIGITS)
    fee_vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    fee_vat_category = models.CharField(max_length=2, choices=VatCategory.choices, blank=True)
    fee_vat = models.DecimalField(null=True, blank=True, **MONEY_DIGITS)
    fee_gross = models.DecimalField(null=True, blank=True, **MONEY_DIGITS)
    fee_free = models.BooleanField(null=True, blank=True)
    fee_free_reason = models.CharField(max_length=30, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    work_report = models.TextField(_("work report"), blank=True)
    diagnosis_started_at = models.DateTimeField(null=True, blank=True)
    diagnosis_concluded_at = models.DateTimeField(null=True, blank=True)
    work_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Since when the ticket waits for the desk: set when the customer acts in a way the staff must answer
    # (opens it, writes, grants access, accepts the quote: tickets.services.staff_notify), emptied by any
    # staff action on it (tickets.services.tickets_record). "Waiting for me" in the staff menu.
    waiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    # Response SLAs (tickets/sla.py): the due times, computed once at opening in business hours of the
    # customer's country, and when the first response came (the diagnosis start is diagnosis_started_at).
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    diagnosis_due_at = models.DateTimeField(_("diagnosis start due"), null=True, blank=True)
    # The nearest due time still to meet, sla.NOTHING_DUE once none is: the inbox's order, kept by the
    # transitions and the first response's stamp (ticket_first_response_stamp).
    sla_next_due_at = models.DateTimeField(default=sla.NOTHING_DUE, editable=False)
    # The words of the subject (weight A), description (B) and messages (C), in the text search
    # configuration of the customer's language: written by the database's triggers on PostgreSQL, with a
    # GIN index (migration 0007, tickets/search.py); an unused NULL on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TicketManager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-id"], name="ticket_customer_idx"),
            # A customer's tickets in one state, newest first (the API's ?status=): without it PostgreSQL
            # read a busy account's newest tickets one by one, about 9,000 of them, to find 26 closed ones.
            models.Index(fields=["customer", "status", "-id"], name="ticket_customer_status_idx"),
            models.Index(fields=["status", "id"], name="ticket_status_idx"),
            models.Index(fields=["assignee", "status", "id"], name="ticket_assignee_idx"),
            # The diagnosis queue: open incidents, oldest first.
            models.Index(fields=["kind", "status", "id"], name="ticket_queue_idx"),
            # The queue page itself (keyset, oldest first): with two statuses, the index above cannot return
            # rows in id order, and the planner walked the primary key past a million finished tickets.
            # This one holds only the tickets waiting for or under diagnosis (issue 8, docs/performance.md).
            models.Index(
                fields=["id"],
                condition=Q(kind="incident", status__in=["open", "diagnosing"]),
                name="ticket_queue_waiting_idx",
            ),
            # The staff menu's "waiting for me" counter, on every staff page: only the few waiting tickets.
            models.Index(
                fields=["assignee"],
                condition=Q(waiting_since__isnull=False),
                name="ticket_waiting_for_staff_idx",
            ),
            # The inbox sorted by time left (selectors.tickets_inbox): only the tickets waiting for support.
            models.Index(
                fields=["sla_next_due_at", "id"],
                condition=Q(status__in=["open", "diagnosing", "in_work"]),
                name="ticket_inbox_sla_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outage_started_at__isnull=True, outage_ended_at__isnull=True)
                | Q(kind="sla_claim", outage_started_at__lt=models.F("outage_ended_at")),
                name="ticket_outage_of_sla_claim",
            ),
            models.CheckConstraint(
                condition=Q(kind="incident", fee_net__isnull=False)
                | (~Q(kind="incident") & Q(fee_net__isnull=True)),
                name="ticket_fee_iff_incident",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def diagnosis_fee(self) -> Fee | None:
        """The fee exactly as shown and accepted at opening; None for questions."""
        if self.fee_net is None:
            return None
        # Opening a ticket stores its fee whole: net, rate, VAT and gross together.
        assert self.fee_vat_rate is not None and self.fee_vat is not None and self.fee_gross is not None
        return Fee(
            currency=self.fee_currency,
            net=self.fee_net,
            vat_rate=self.fee_vat_rate,
            vat=self.fee_vat,
            gross=self.fee_gross,
            free=bool(self.fee_free),
            free_reason=self.fee_free_reason or None,
            # Tickets opened before the VAT categories were all charged the standard rate.
            vat_category=self.fee_vat_category or VatCategory.STANDARD,
        )

    @property
    def invoice_ids(self) -> list[int]:
        """The ids of the invoices that bill this ticket, oldest first (prefetched by the API's lists)."""
        return [invoice.pk for invoice in self.invoices.all()]

    @property
    def is_incident(self) -> bool:
        return self.kind == self.Kind.INCIDENT

    def is_incident_ticket(self) -> bool:
        return self.is_incident

    def is_question(self) -> bool:
        return not self.is_incident

    @property
    def sla(self) -> "sla.SlaStatus":
        """The ticket's response targets now: due times, stamps, breaches, time left."""
        return sla.sla_status(self, now=timezone.now())

    def _responded(self, at) -> None:
        """The staff's first response, if this is it: the inbox then waits for the next target, if any."""
        if self.first_responded_at is None:
            self.first_responded_at = at
        self.sla_next_due_at = sla.next_due_after_response(self)

    @writes("ended_at", "sla_next_due_at")
    @transition(field=status, source=State.OPEN, target=State.CANCELLED)
    def cancel(self, *, at) -> None:
        self.ended_at = at
        self.sla_next_due_at = sla.NOTHING_DUE

    def is_unassigned(self) -> bool:
        return self.assignee_id is None

    @writes("assignee")
    @transition(
        field=status,
        source=State.OPEN,
        target=State.OPEN,
        conditions=[is_unassigned],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def claim(self, *, agent) -> None:
        """An agent takes an open ticket, nothing more: an incident's billable diagnosis starts apart."""
        self.assignee = agent

    @writes("assignee", "diagnosis_started_at", "first_responded_at", "sla_next_due_at")
    @transition(
        field=status,
        source=State.OPEN,
        target=State.DIAGNOSING,
        conditions=[is_incident_ticket],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def start_diagnosis(self, *, agent) -> None:
        self.assignee = agent
        self.diagnosis_started_at = timezone.now()
        self._responded(self.diagnosis_started_at)  # starting the diagnosis answers the customer too

    @writes("diagnosis_concluded_at", "ended_at")
    @transition(field=status, source=State.DIAGNOSING, target=State.RESOLVED)
    def resolve_by_diagnosis(self) -> None:
        self.diagnosis_concluded_at = self.ended_at = timezone.now()

    @writes("diagnosis_concluded_at")
    @transition(field=status, source=State.DIAGNOSING, target=State.QUOTE_SENT)
    def send_quote(self) -> None:
        self.diagnosis_concluded_at = timezone.now()

    @writes("diagnosis_concluded_at", "ended_at")
    @transition(field=status, source=State.DIAGNOSING, target=State.CLOSED)
    def close_unfixed(self) -> None:
        self.diagnosis_concluded_at = self.ended_at = timezone.now()

    @writes("work_started_at")
    @transition(field=status, source=State.QUOTE_SENT, target=State.IN_WORK)
    def start_work(self) -> None:
        self.work_started_at = timezone.now()

    @writes("ended_at")
    @transition(field=status, source=State.QUOTE_SENT, target=State.CLOSED)
    def close_without_work(self) -> None:
        self.ended_at = timezone.now()

    @writes("work_report", "ended_at")
    @transition(field=status, source=State.IN_WORK, target=State.RESOLVED)
    def complete_work(self, *, report: str) -> None:
        self.work_report = report
        self.ended_at = timezone.now()

    @writes("answer", "assignee", "ended_at", "first_responded_at", "sla_next_due_at")
    @transition(
        field=status,
        source=State.OPEN,
        target=State.CLOSED,
        conditions=[is_question],  # type: ignore[list-item]  # django-fsm: a condition takes any Model
    )
    def answer_and_close(self, *, answer: str, agent) -> None:
        self.answer = answer
        self.assignee = self.assignee or agent
        self.ended_at = timezone.now()
        self._responded(self.ended_at)  # the answer is a response


class TicketEvent(CachedChoiceLabels, models.Model):
    """The ticket's history: who did what, when. `public` events are shown to the customer."""

    class Verb(models.TextChoices):
        OPENED = "opened", _("Ticket opened")
        CANCELLED = "cancelled", _("Ticket cancelled")
        DIAGNOSIS_STARTED = "diagnosis_started", _("Diagnosis started")
        DIAGNOSIS_CONCLUDED = "diagnosis_concluded", _("Diagnosis concluded")
        QUOTE_SENT = "quote_sent", _("Quote sent")
        QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
        QUOTE_DECLINED = "quote_declined", _("Quote declined")
        QUOTE_EXPIRED = "quote_expired", _("Quote expired")
        WORK_COMPLETED = "work_completed", _("Work completed")
        CLOSED = "closed", _("Ticket closed")
        INVOICED = "invoiced", _("Invoice issued")
        MESSAGE = "message", _("Message")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Internal note")
        ACCESS = "access", _("Access to customer data")
        INTERVENTION = "intervention", _("Intervention")
        INCIDENT_LINKED = "incident_linked", _("Linked to a known provider incident")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    public = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticket", "id"]
        indexes = [models.Index(fields=["ticket", "id"], name="ticket_event_idx")]

    def __str__(self):
        return f"{self.ticket_id} {self.verb}"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Received as a reply by e-mail (mailin) rather than written in a portal or through the API.
    via_email = models.BooleanField(default=False)

    class Meta:
        ordering = ["ticket", "id"]
        indexes = [models.Index(fields=["ticket", "id"], name="message_ticket_idx")]

    def __str__(self):
        return f"message {self.pk} on {self.ticket_id}"


class TicketInvoice(models.Model):
    """An invoice that bills a ticket, as the tickets app reads it: billing's invoice table through the
    column naming the ticket. Billing bills lines to an account and knows nothing of tickets; this
    unmanaged view of its table gives tickets the relation (`ticket.invoices`) without a billing model
    pointing up at tickets. Read-only: invoices are issued by billing's services."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.DO_NOTHING, related_name="invoices", db_constraint=False, editable=False
    )

    class Meta:
        managed = False
        db_table = "billing_invoice"
        ordering = ["id"]

    def __str__(self):
        return f"invoice {self.pk} of ticket {self.ticket_id}"


def attachment_storage_name(instance, filename: str) -> str:
    """A random name with no extension: nothing the uploader wrote reaches the file system."""
    import uuid

    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(CachedChoiceLabels, models.Model):
    """A file sent with a message; served only through a view that checks the ticket is visible."""

    class Kind(models.TextChoices):
        PNG = "png", "PNG"
        JPEG = "jpeg", "JPEG"
        PDF = "pdf", "PDF"
        TEXT = "text", _("Text or log")

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "id"]
        indexes = [models.Index(fields=["ticket", "id"], name="attachment_ticket_idx")]

    def __str__(self):
        return self.original_name


class StaffNotice(CachedChoiceLabels, models.Model):
    """An e-mail telling one recipient of the staff what a customer did on a ticket (tickets.services
    .staff_notify): the outbox sends it, its row's id being the outbox's object_id. The recipient is a
    staff user (the ticket's assignee, or an agent of the queue), or the queue's team address."""

    class Event(models.TextChoices):
        TICKET_OPENED = "ticket_opened", _("New ticket")
        MESSAGE = "message", _("The customer replied")
        ACCESS_GRANTED = "access_granted", _("Access granted")
        QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
        QUOTE_DECLINED = "quote_declined", _("Quote declined")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    event = models.CharField(max_length=20, choices=Event.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.EmailField(blank=True)  # the queue's team address, when there is no recipient
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(recipient__isnull=False) & Q(address=""))
                | (Q(recipient__isnull=True) & ~Q(address="")),
                name="staff_notice_one_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.ticket_id} to {self.recipient_id or self.address}"
