"""E-mail to customer accounts: an outbox written with the business change, sent after commit by a task.

Every app's `notifications.py` registers a builder per kind of e-mail with `@email_builder(kind)`; its
service writes the outbox row with `email_queue(...)` inside its own transaction. The task renders the
message in the account's language at send time (text and HTML templates under
`templates/email/<app>/<event>.*`), sends it, and records it, so a rerun never sends it twice. The
hourly sweep sends whatever the broker lost.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Role
from billing.models import BanEvent, Invoice, Payment, SentEmail
from billing.signals import email_sent

logger = logging.getLogger(__name__)

# After this many failed attempts an e-mail is left for a person to look at (last_error says why).
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class EmailSpec:
    """What a builder returns: the message's subject and templates, rendered in the account's language."""

    customer: Customer
    template: str  # "email/<app>/<event>", without the .txt / .html extension
    subject: str  # a lazy translation, formatted with `context` in the account's language
    context: dict = field(default_factory=dict)


_BUILDERS: dict[str, Callable[[int], EmailSpec]] = {}


def email_builder(kind: str):
    """Register the function that builds e-mails of `kind` from the id of the object they are about."""

    def register(builder: Callable[[int], EmailSpec]) -> Callable[[int], EmailSpec]:
        if _BUILDERS.get(kind, builder) is not builder:
            raise ValueError(f"two builders for e-mail kind {kind!r}")
        _BUILDERS[kind] = builder
        return builder

    return register


def email_kinds() -> list[str]:
    return sorted(_BUILDERS)


def email_queue(*, kind: str, object_id: int, customer_id: int) -> None:
    """Record an e-mail in the caller's transaction and send it once that transaction has committed.

    Recording it with the change it tells about means a broker outage delays it but never loses it.
    """
    SentEmail.objects.bulk_create(
        [SentEmail(kind=kind, object_id=object_id, customer_id=customer_id)], ignore_conflicts=True
    )

    def enqueue() -> None:
        from billing.tasks import email_send_task  # the tasks module imports this one

        email_send_task.delay(kind, object_id)

    # robust: with the broker down the request still succeeds; the hourly sweep sends it.
    transaction.on_commit(enqueue, robust=True)


def emails_record(*, kind: str, objects: list[tuple[int, int]]) -> None:
    """Record e-mails of one kind about many objects, (object id, customer id) each, in the caller's
    transaction, with no task each: the deadline sweep that records them sends them in its e-mail step."""
    SentEmail.objects.bulk_create(
        [SentEmail(kind=kind, object_id=object_id, customer_id=customer_id) for object_id, customer_id in objects],
        ignore_conflicts=True,
    )


def email_send(*, kind: str, object_id: int) -> bool:
    """Send a recorded e-mail unless it has gone already; True if it was sent now.

    The row stays locked while the message is sent, so two workers never send it both.
    """
    error: Exception | None = None
    with transaction.atomic():
        email = (
            SentEmail.objects.select_for_update(skip_locked=True)
            .filter(kind=kind, object_id=object_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            email.recipients, email.language = _deliver(email)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, then retried by the task
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            error = exc
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save(update_fields=["attempts", "recipients", "language", "sent_at", "last_error"])
        if error is None:
            email_sent.send(sender=SentEmail, email=email)
    if error is not None:
        raise error
    return True


def emails_pending():
    return SentEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).order_by("id")


def _deliver(email: SentEmail) -> tuple[str, str]:
    spec = _BUILDERS[email.kind](email.object_id)
    recipients = list(
        spec.customer.users.filter(is_active=True, role=Role.CUSTOMER).order_by("id").values_list("email", flat=True)
    )
    language = spec.customer.language or settings.LANGUAGE_CODE
    if not recipients:
        return "", language  # an account with no users yet: nothing to send, nothing to retry
    with translation.override(language):
        context = {"customer": spec.customer, **spec.context}
        subject = str(spec.subject) % spec.context
        text = render_to_string(f"{spec.template}.txt", context)
        html = render_to_string(f"{spec.template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=recipients)
    message.attach_alternative(html, "text/html")
    message.send()
    return ",".join(recipients), language


# Billing's own e-mails.

INVOICE_ISSUED = "invoice_issued"
PAYMENT_RECEIVED = "payment_received"
REMINDER_7_DAYS = "invoice_reminder_7d"
REMINDER_1_DAY = "invoice_reminder_1d"
ACCOUNT_BANNED = "account_banned"
ACCOUNT_REINSTATED = "account_reinstated"


def _invoice(pk: int) -> Invoice:
    from billing.selectors import with_amount_paid

    return with_amount_paid(Invoice.objects.select_related("customer", "credit_note")).get(pk=pk)


def _invoice_context(invoice: Invoice) -> dict:
    due = invoice.gross - invoice.amount_paid if invoice.status == Invoice.State.OPEN else Decimal("0.00")
    # Decimals, not strings: templates write them the way the account's language does (24,00 in French).
    return {"invoice": invoice, "number": invoice.number, "amount_due": due, "currency": invoice.currency}


@email_builder(INVOICE_ISSUED)
def invoice_issued(pk: int) -> EmailSpec:
    invoice = _invoice(pk)
    return EmailSpec(customer=invoice.customer, template="email/billing/invoice_issued",
                     subject=_("Invoice %(number)s"), context=_invoice_context(invoice))


@email_builder(PAYMENT_RECEIVED)
def payment_received(pk: int) -> EmailSpec:
    payment = Payment.objects.select_related("invoice").get(pk=pk)
    invoice = _invoice(payment.invoice_id)
    return EmailSpec(customer=invoice.customer, template="email/billing/payment_received",
                     subject=_("Payment received for invoice %(number)s"),
                     context={**_invoice_context(invoice), "payment": payment})


def _reminder(pk: int, days: int) -> EmailSpec:
    invoice = _invoice(pk)
    return EmailSpec(customer=invoice.customer, template="email/billing/invoice_reminder",
                     subject=_("Reminder: invoice %(number)s is due on %(due_on)s"),
                     context={**_invoice_context(invoice), "days": days, "due_on": _iso(invoice.due_on)})


@email_builder(REMINDER_7_DAYS)
def invoice_reminder_7_days(pk: int) -> EmailSpec:
    return _reminder(pk, 7)


@email_builder(REMINDER_1_DAY)
def invoice_reminder_1_day(pk: int) -> EmailSpec:
    return _reminder(pk, 1)


@email_builder(ACCOUNT_BANNED)
def account_banned(pk: int) -> EmailSpec:
    ban = BanEvent.objects.select_related("customer", "invoice", "invoice__credit_note").get(pk=pk)
    credit_note = getattr(ban.invoice, "credit_note", None)
    return EmailSpec(customer=ban.customer, template="email/billing/account_banned",
                     subject=_("Your account is no longer eligible for support"),
                     context={"ban": ban, "invoice": ban.invoice, "number": ban.invoice.number,
                              "issued_on": _iso(ban.invoice.issued_on), "credit_note": credit_note,
                              "refused": ban.reason == Customer.BanReason.REFUSED_INVOICE})


@email_builder(ACCOUNT_REINSTATED)
def account_reinstated(pk: int) -> EmailSpec:
    event = BanEvent.objects.select_related("customer").get(pk=pk)
    return EmailSpec(customer=event.customer, template="email/billing/account_reinstated",
                     subject=_("Support is available to your account again"), context={"event": event})


def _iso(day: date) -> str:
    # The contract's date format, the same in every language.
    return day.isoformat()
