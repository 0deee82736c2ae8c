"""The rows of finance's invoice list, built in Python as Django's admin builds its change list rows.

As with the staff lists (tickets/presenters.py): one `format_html` call per row, which escapes every
value it is given exactly as the templates do, instead of about twenty template nodes.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from accounts.templatetags.portal import pk_path
from billing import aging

if TYPE_CHECKING:
    from billing.selectors import InvoiceWithAmounts

INVOICE_ROW = (
    "<tr>"
    '<td data-label="{number_label}"><a href="{url}">{number}</a></td>'
    '<td data-label="{customer_label}">{customer} ({country}){banned}</td>'
    '<td data-label="{due_label}">{due_on}</td>'
    '<td data-label="{aging_label}">{aging}</td>'
    '<td class="num" data-label="{total_label}">{gross} {currency}</td>'
    '<td class="num" data-label="{due_amount_label}">{amount_due} {currency}</td>'
    '<td data-label="{status_label}"><span class="badge {status}">{status_label_text}</span></td>'
    "</tr>"
)


# What the rows read, and nothing else (the amount paid is an annotation of the list's query).
INVOICE_ROW_COLUMNS = (
    "id",
    "number",
    "status",
    "due_on",
    "gross",
    "currency",
    "customer__name",
    "customer__country",
    "customer__support_status",
)


def invoice_rows(invoices, *, today: date) -> list[SafeString]:
    """One `<tr>` per invoice, for templates/finance/billing/invoices.html (its header has the same columns)."""
    labels = {
        "number_label": gettext("Number"),
        "customer_label": gettext("Customer"),
        "due_label": gettext("Due"),
        "aging_label": gettext("Aging"),
        "total_label": gettext("Total"),
        "due_amount_label": gettext("Amount due"),
        "status_label": gettext("Status"),
    }
    banned = format_html(' <span class="badge banned">{}</span>', gettext("banned"))
    # Overdue stands out: the sweep is about to lapse the invoice and ban the account.
    buckets = {
        bucket: format_html("<strong>{}</strong>", bucket.label) if bucket is aging.OVERDUE else bucket.label
        for bucket in aging.BUCKETS
    }
    return [_invoice_row(invoice, today, labels, banned, buckets) for invoice in invoices]


def _invoice_row(
    invoice: "InvoiceWithAmounts", today: date, labels: dict, banned: SafeString, buckets: dict
) -> SafeString:
    bucket = aging.bucket_of(invoice, today=today)
    return format_html(
        INVOICE_ROW,
        url=pk_path("finance:billing:invoice", invoice.pk),
        number=invoice.number,
        customer=invoice.customer.name,
        country=invoice.customer.country,
        banned=banned if invoice.customer.is_banned else "",
        due_on=date_format(invoice.due_on, "SHORT_DATE_FORMAT"),
        aging=buckets[bucket] if bucket else "—",
        gross=localize(invoice.gross),
        amount_due=localize(invoice.amount_due),
        currency=invoice.currency,
        status=invoice.status,
        status_label_text=invoice.get_status_display(),
        **labels,
    )
