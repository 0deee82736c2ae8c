"""Where an invoice stands against its due day: overdue, or the bucket of days left until it is due.

The one definition of each, read by finance's list (its filter and its column), the API's `overdue`
filter and the receivables report. A row on a page asks in Python (`bucket_of`), a filter or a sum asks
in SQL (`bucket_q`): both read the bounds below, and tests/billing/test_aging.py holds them equal.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Bucket:
    name: str  # its key in the API's report and in finance's filter
    label: "StrOrPromise"  # in a list's column and the report's chart
    choice: "StrOrPromise"  # in finance's filter
    first: int | None  # the days left to the due day, both ends included; None: no lower bound
    last: int


# Overdue: still open after its due day (the hourly sweep is about to lapse it and ban the account).
OVERDUE = Bucket("overdue", _("Past due"), _("Past due"), None, -1)
# An invoice is due 30 days after its issue, so an open one is in exactly one bucket.
BUCKETS = (
    OVERDUE,
    Bucket("0-7", _("0–7 days"), _("Due within 7 days"), 0, 7),
    Bucket("8-14", _("8–14 days"), _("Due in 8 to 14 days"), 8, 14),
    Bucket("15-30", _("15–30 days"), _("Due in 15 to 30 days"), 15, 30),
)
BY_NAME = {bucket.name: bucket for bucket in BUCKETS}


def days_left(invoice: Invoice, *, today: date) -> int:
    """Whole days until the invoice's due day; negative once past it."""
    return (invoice.due_on - today).days


def bucket_of(invoice: Invoice, *, today: date) -> Bucket | None:
    """The bucket of an open invoice; None once it is no longer owed."""
    if invoice.status != Invoice.State.OPEN:
        return None
    left = days_left(invoice, today=today)
    for bucket in BUCKETS:
        if (bucket.first is None or bucket.first <= left) and left <= bucket.last:
            return bucket
    return None


def is_overdue(invoice: Invoice, *, today: date) -> bool:
    return bucket_of(invoice, today=today) is OVERDUE


def bucket_q(bucket: Bucket, *, today: date) -> Q:
    """The open invoices in `bucket` on `today`, for a filter or the FILTER of a sum."""
    in_bucket = Q(status=Invoice.State.OPEN, due_on__lte=today + timedelta(days=bucket.last))
    if bucket.first is not None:
        in_bucket &= Q(due_on__gte=today + timedelta(days=bucket.first))
    return in_bucket


def with_countdown(invoices, *, today: date) -> list[Invoice]:
    """Each invoice with its days left (`days_left`, `days_overdue`) and whether it is `overdue`, for the
    countdowns of the customer's pages and finance's invoice page."""
    invoices = list(invoices)
    for invoice in invoices:
        invoice.days_left = days_left(invoice, today=today)
        invoice.days_overdue = -invoice.days_left
        invoice.overdue = is_overdue(invoice, today=today)
    return invoices
