"""The invoice and account lists of the finance and customer portals, each declared once as its columns
(config/listing.py)."""

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from accounts.templatetags.portal import pk_path
from billing import aging
from billing.models import BanEvent, Invoice, Refund
from config.formatting import format_date, format_datetime, format_money
from config.listing import Column, Listing, Table

if TYPE_CHECKING:
    from billing.selectors import InvoiceWithAmounts

_NUMBER = Column(_("Number"), '<a href="{url}">{number}</a>', reads=("number",))
_TOTAL = Column(_("Total"), "{gross}", reads=("gross", "currency"), css="num")
_STATUS = Column(_("Status"), '<span class="badge {status}">{status_label}</span>', reads=("status",))


def _invoice_values(invoice: Invoice, view: str) -> dict:
    """What every invoice list shows of an invoice, its page in the portal `view` names."""
    return {
        "url": pk_path(view, invoice.pk),
        "number": invoice.number,
        "gross": format_money(invoice.gross, invoice.currency),
        "status": invoice.status,
        "status_label": invoice.get_status_display(),
    }


# Finance's invoices by due day (templates/finance/billing/invoices.html); the amount paid is an annotation.
INVOICE_LIST = Listing(
    _NUMBER,
    Column(
        _("Customer"),
        "{customer} ({country}){banned}",
        reads=("customer__name", "customer__country", "customer__support_status"),
    ),
    Column(_("Due"), "{due_on}", reads=("due_on",)),
    Column(_("Aging"), "{aging}", reads=("status", "due_on")),
    _TOTAL,
    Column(_("Amount due"), "{amount_due}", css="num"),
    _STATUS,
    reads=("id",),
)


def invoice_table(invoices, *, today: date) -> Table:
    texts = {
        "banned": format_html(' <span class="badge banned">{}</span>', gettext("banned")),
        # Overdue stands out: the sweep is about to lapse the invoice and ban the account.
        "aging": {
            bucket: format_html("<strong>{}</strong>", bucket.label)
            if bucket is aging.OVERDUE
            else bucket.label
            for bucket in aging.BUCKETS
        },
    }
    return INVOICE_LIST.table(invoices, partial(_finance_invoice_values, today=today, texts=texts))


def _finance_invoice_values(invoice: "InvoiceWithAmounts", today: date, texts: dict) -> dict:
    bucket = aging.bucket_of(invoice, today=today)
    return {
        **_invoice_values(invoice, "finance:billing:invoice"),
        "customer": invoice.customer.name,
        "country": invoice.customer.country,
        "banned": texts["banned"] if invoice.customer.is_banned else "",
        "due_on": format_date(invoice.due_on),
        "aging": texts["aging"][bucket] if bucket else "—",
        "amount_due": format_money(invoice.amount_due, invoice.currency),
    }


# Finance's refused and lapsed invoices (templates/finance/billing/closed.html).
CLOSED_INVOICE_LIST = Listing(
    _NUMBER,
    Column(_("Customer"), "{customer}", reads=("customer__name",)),
    _STATUS,
    Column(pgettext_lazy("the day an invoice was closed", "Closed"), "{closed}", reads=("closed_at",)),
    _TOTAL,
    Column(_("Credit note"), "{credit_note}", reads=("credit_note__number", "credit_note__issued_on")),
    reads=("id",),
)


def closed_invoice_table(invoices) -> Table:
    return CLOSED_INVOICE_LIST.table(invoices, _closed_invoice_values)


def _closed_invoice_values(invoice: Invoice) -> dict:
    credit_note = getattr(invoice, "credit_note", None)
    return {
        **_invoice_values(invoice, "finance:billing:invoice"),
        "customer": invoice.customer.name,
        "closed": format_date(invoice.closed_at) if invoice.closed_at else "",
        "credit_note": f"{credit_note.number} ({format_date(credit_note.issued_on)})" if credit_note else "—",
    }


# The customer's invoices (templates/customer/billing/invoices.html), each with its countdown while open.
CUSTOMER_INVOICE_LIST = Listing(
    _NUMBER,
    Column(_("Issued"), "{issued_on}", reads=("issued_on",)),
    Column(_("Due"), "{due_on}{countdown}", reads=("due_on", "status")),
    _TOTAL,
    _STATUS,
    reads=("id",),
)


def customer_invoice_table(invoices, *, today: date) -> Table:
    return CUSTOMER_INVOICE_LIST.table(invoices, partial(_customer_invoice_values, today=today))


def _customer_invoice_values(invoice: Invoice, today: date) -> dict:
    return {
        **_invoice_values(invoice, "customer:billing:invoice"),
        "issued_on": format_date(invoice.issued_on),
        "due_on": format_date(invoice.due_on),
        "countdown": _countdown(invoice, today=today),
    }


def _countdown(invoice: Invoice, *, today: date) -> str:
    if invoice.status != Invoice.State.OPEN:
        return ""
    days = aging.days_left(invoice, today=today)
    if aging.is_overdue(invoice, today=today):
        text = ngettext("%(days)s day overdue", "%(days)s days overdue", -days) % {"days": -days}
        return format_html(" · <strong>{}</strong>", text)
    return " · " + ngettext("due in %(days)s day", "due in %(days)s days", days) % {"days": days}


# The accounts without support, each with the ban that took it and its reinstatement
# (templates/finance/billing/banned.html).
BANNED_LIST = Listing(
    Column(
        _("Customer"),
        '{name} ({country}) · <a href="{history_url}">{history}</a>',
        reads=("name", "country"),
    ),
    Column(
        pgettext_lazy("the day of the ban", "Banned"),
        '{banned_at} <span class="badge banned">{reason}</span>',
        reads=("banned_at", "ban_reason"),
    ),
    Column(_("Invoice"), "{invoice}"),
    Column(_("The customer's reason"), "{note}", css="pre"),
    Column(
        _("Reason for the reinstatement"),
        '<form class="stacked" method="post" action="{reinstate_url}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
        '<textarea name="reason" aria-label="{reason_label}" rows="2" maxlength="2000" required></textarea> '
        '<button type="submit">{reinstate}</button></form>',
    ),
    reads=("id",),
)


def banned_table(accounts, *, last_bans: dict[int, BanEvent], csrf_token: str) -> Table:
    """`last_bans`: the ban that took each account its support, with its invoice, by the account's id."""
    texts = {
        "history": gettext("Support history"),
        "reason_label": gettext("Reason for the reinstatement"),
        "reinstate": gettext("Reinstate support"),
        "csrf_token": csrf_token,
    }
    return BANNED_LIST.table(accounts, partial(_banned_values, last_bans=last_bans, texts=texts))


def _banned_values(account: Customer, last_bans: dict[int, BanEvent], texts: dict) -> dict:
    ban = last_bans.get(account.pk)
    return {
        **texts,
        "history_url": pk_path("finance:billing:history", account.pk),
        "name": account.name,
        "country": account.country,
        "banned_at": format_date(account.banned_at) if account.banned_at else "",
        "reason": account.get_ban_reason_display(),
        "invoice": format_html(
            '<a href="{}">{}</a>', pk_path("finance:billing:invoice", ban.invoice.pk), ban.invoice.number
        )
        if ban and ban.invoice
        else "—",
        "note": ban.note if ban else "",
        "reinstate_url": pk_path("finance:billing:reinstate", account.pk),
    }


# An account's bans and reinstatements (templates/finance/billing/history.html).
BAN_HISTORY_LIST = Listing(
    Column(_("Date"), "{created_at}", reads=("created_at",)),
    Column(_("Event"), "{kind}", reads=("kind",)),
    Column(_("Invoice"), "{invoice}", reads=("invoice__number",)),
    Column(_("Note"), "{note}", reads=("note",), css="pre"),
    reads=("id",),
)


def ban_history_table(events) -> Table:
    return BAN_HISTORY_LIST.table(events, _ban_history_values)


def _ban_history_values(event: BanEvent) -> dict:
    return {
        "created_at": format_datetime(event.created_at),
        "kind": event.get_kind_display(),
        "invoice": format_html(
            '<a href="{}">{}</a>', pk_path("finance:billing:invoice", event.invoice.pk), event.invoice.number
        )
        if event.invoice
        else "—",
        "note": event.note,
    }


# The refunds owed to customers, the oldest first, each with the form that records it sent
# (templates/finance/list.html).
REFUND_LIST = Listing(
    Column(_("Customer"), "{customer} ({country})", reads=("customer__name", "customer__country")),
    Column(_("Owed for"), "{owed_for}", reads=("invoice__number", "credit_note__number")),
    Column(_("Owed since"), "{created_at}", reads=("created_at",)),
    Column(_("Amount"), "{amount}", reads=("amount", "currency"), css="num"),
    Column(
        _("Transfer reference"),
        '<form class="stacked" method="post" action="{refund_url}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
        '<input name="reference" aria-label="{reference_label}" maxlength="200" required> '
        '<button type="submit">{mark_refunded}</button></form>',
    ),
    reads=("id",),
)


def refund_table(refunds, *, csrf_token: str) -> Table:
    texts = {
        "reference_label": gettext("Transfer reference"),
        "mark_refunded": gettext("Mark as refunded"),
        "csrf_token": csrf_token,
    }
    return REFUND_LIST.table(refunds, partial(_refund_values, texts=texts))


def _refund_values(refund: Refund, texts: dict) -> dict:
    return {
        **texts,
        "customer": refund.customer.name,
        "country": refund.customer.country,
        # What paid on an invoice cancelled since, or an SLA credit (its credit note, which cites no invoice).
        "owed_for": format_html(
            '<a href="{}">{}</a>',
            pk_path("finance:billing:invoice", refund.invoice_id),
            refund.invoice_number,
        )
        if refund.invoice_id is not None
        else format_html("{} {}", gettext("SLA credit"), refund.credit_note_number),
        "created_at": format_date(refund.created_at),
        "amount": format_money(refund.amount, refund.currency),
        "refund_url": pk_path("finance:billing:refund-mark", refund.pk),
    }


# The invoice exports' columns (the finance portal's and the API's), as a spreadsheet's reader sees them:
# config.csv shows these in the reader's language when the header is asked for as labels.
INVOICE_CSV_LABELS = {
    "number": _("Number"),
    "customer": _("Customer"),
    "customer_name": _("Customer name"),
    "country": _("Country"),
    "status": _("Status"),
    "issued_on": _("Issued on"),
    "due_on": _("Due on"),
    "days_left": _("Days left"),
    "net": _("Net"),
    "vat_rate": _("VAT rate (%)"),
    "vat": _("VAT"),
    "gross": _("Total"),
    "currency": _("Currency"),
    "amount_paid": _("Amount paid"),
    "amount_due": _("Amount due"),
    "credit_note": _("Credit note"),
    "credit_note_issued_on": _("Credit note issued on"),
}
