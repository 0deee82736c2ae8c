"""Billing's e-mails: an invoice issued, a payment received, the payment reminders, an account banned or
reinstated. Each kind has its builder here, registered with the outbox (`outbox.services`), which records,
relays and sends them.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from billing.models import BanEvent, Invoice, Payment
from config.formatting import format_date_lazy
from outbox.services import EmailSpec, email_builder, emails_builder, site_link

if TYPE_CHECKING:
    from billing.selectors import InvoiceWithAmounts

INVOICE_ISSUED = "invoice_issued"
PAYMENT_RECEIVED = "payment_received"
REMINDER_7_DAYS = "invoice_reminder_7d"
REMINDER_1_DAY = "invoice_reminder_1d"
ACCOUNT_BANNED = "account_banned"
ACCOUNT_REINSTATED = "account_reinstated"


def _invoice(pk: int) -> "InvoiceWithAmounts":
    from billing.selectors import with_amounts

    return with_amounts(Invoice.objects.select_related("customer", "credit_note")).get(pk=pk)


def _invoice_context(invoice: "InvoiceWithAmounts") -> dict:
    due = invoice.amount_due
    # Decimals, not strings: templates write them the way the account's language does (24,00 € in French).
    return {
        "invoice": invoice,
        "number": invoice.number,
        "amount_due": due,
        "currency": invoice.currency,
        "link": invoice_link(invoice.pk),
    }


def invoice_link(invoice_id: int) -> str:
    """The customer's page of the invoice: to read, download, pay or dispute it."""
    return site_link(reverse("customer:billing:invoice", args=[invoice_id]))


@email_builder(INVOICE_ISSUED)
def invoice_issued(pk: int) -> EmailSpec:
    invoice = _invoice(pk)
    return EmailSpec(
        customer=invoice.customer,
        template="email/billing/invoice_issued",
        subject=_("Invoice %(number)s"),
        context=_invoice_context(invoice),
    )


@email_builder(PAYMENT_RECEIVED)
def payment_received(pk: int) -> EmailSpec:
    payment = Payment.objects.select_related("invoice").get(pk=pk)
    invoice = _invoice(payment.invoice_id)
    return EmailSpec(
        customer=invoice.customer,
        template="email/billing/payment_received",
        subject=_("Payment received for invoice %(number)s"),
        context={**_invoice_context(invoice), "payment": payment},
    )


def _reminder(pk: int, days: int) -> EmailSpec:
    invoice = _invoice(pk)
    return EmailSpec(
        customer=invoice.customer,
        template="email/billing/invoice_reminder",
        subject=_("Reminder: invoice %(number)s is due on %(due_on)s"),
        context={**_invoice_context(invoice), "days": days, "due_on": _day(invoice.due_on)},
    )


@email_builder(REMINDER_7_DAYS)
def invoice_reminder_7_days(pk: int) -> EmailSpec:
    return _reminder(pk, 7)


@email_builder(REMINDER_1_DAY)
def invoice_reminder_1_day(pk: int) -> EmailSpec:
    return _reminder(pk, 1)


def _bans():
    return BanEvent.objects.select_related("customer", "invoice", "invoice__credit_note")


@email_builder(ACCOUNT_BANNED)
def account_banned(pk: int) -> EmailSpec:
    return _account_banned(_bans().get(pk=pk))


@emails_builder(ACCOUNT_BANNED)
def accounts_banned(pks: list[int]) -> dict[int, EmailSpec]:
    # A sweep bans accounts by the thousand: one query for a batch of their e-mails.
    return {ban.pk: _account_banned(ban) for ban in _bans().filter(pk__in=pks)}


def _account_banned(ban: BanEvent) -> EmailSpec:
    assert ban.invoice is not None  # a ban names its invoice (ban_event_ban_has_cause)
    credit_note = getattr(ban.invoice, "credit_note", None)
    return EmailSpec(
        customer=ban.customer,
        template="email/billing/account_banned",
        subject=_("Your account is no longer eligible for support"),
        context={
            "ban": ban,
            "invoice": ban.invoice,
            "number": ban.invoice.number,
            "issued_on": _day(ban.invoice.issued_on),
            "credit_note": credit_note,
            "refused": ban.reason == Customer.BanReason.REFUSED_INVOICE,
            "link": invoice_link(ban.invoice.pk),
        },
    )


@email_builder(ACCOUNT_REINSTATED)
def account_reinstated(pk: int) -> EmailSpec:
    event = BanEvent.objects.select_related("customer").get(pk=pk)
    return EmailSpec(
        customer=event.customer,
        template="email/billing/account_reinstated",
        subject=_("Support is available to your account again"),
        context={"event": event, "link": site_link(reverse("customer:tickets:dashboard"))},
    )


def _day(day: date):
    # Written in the account's language when the e-mail is rendered, as every date of the web and documents.
    return format_date_lazy(day)
