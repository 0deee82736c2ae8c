from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import (
    Case,
    DecimalField,
    F,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.permissions import is_finance
from accounts.selectors import scoped_to_account
from billing import aging
from billing.models import BanEvent, CreditNote, Invoice, Payment, Refund
from config.filtering import STATUS_AND_ACCOUNT, filter_by
from config.money import to_cents

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class Amounts(TypedDict):
        amount_paid: Decimal
        amount_due: Decimal

    # An invoice read through `with_amounts`.
    InvoiceWithAmounts: TypeAlias = WithAnnotations[Invoice, Amounts]


def invoices_visible_to(*, user) -> QuerySet[Invoice]:
    """Customers see their account's invoices; finance and admins see all; support staff none."""
    return with_amounts(
        scoped_to_account(Invoice.objects.all(), user=user, account="customer_id", staff=is_finance)
    )


def credit_notes_visible_to(*, user) -> QuerySet[CreditNote]:
    """Customers see their account's credit notes (cancellations and SLA credits); finance and admins all."""
    return scoped_to_account(CreditNote.objects.all(), user=user, account="customer_id", staff=is_finance)


MONEY_FIELD: DecimalField = DecimalField(max_digits=12, decimal_places=2)


class InCents(Func):
    """An amount computed in SQL, read back in cents. PostgreSQL computes it in numeric and gives 13.80;
    SQLite computes in floats and Django reads a computed value (unlike a column) without rounding it:
    13.8000000000000, or 24 for 24.00."""

    template = "%(expressions)s"
    output_field = MONEY_FIELD

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), _to_cents]


def _to_cents(value, expression, connection):
    return None if value is None else to_cents(value)


def with_amounts(queryset: QuerySet[Invoice]) -> "QuerySet[InvoiceWithAmounts]":
    """Each invoice with `amount_paid` and `amount_due`: the one definition of what is still owed.

    Only an open invoice is owed its gross less what was paid (reversed payments do not count); a paid one is settled, and a refused or
    lapsed one is cancelled by its credit note, so nothing is due on either.
    """
    # A correlated subquery rather than a JOIN + GROUP BY, so keyset pagination stays an index scan.
    paid = (
        Payment.objects.standing()
        .filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        amount_paid=InCents(
            Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(0), output_field=MONEY_FIELD)
        )
    ).annotate(
        amount_due=InCents(
            Case(
                When(status=Invoice.State.OPEN, then=F("gross") - F("amount_paid")),
                default=Value(Decimal("0.00")),
                output_field=MONEY_FIELD,
            )
        )
    )


def invoice_amount_due(*, invoice_id: int) -> Decimal:
    """What is still owed on one invoice now (the payment service reads it under the invoice's lock)."""
    return with_amounts(Invoice.objects.filter(pk=invoice_id)).values_list("amount_due", flat=True).get()


def invoices_for_api(*, user) -> QuerySet[Invoice]:
    return invoices_visible_to(user=user).select_related("credit_note").prefetch_related("lines")


def invoices_filter(queryset: QuerySet[Invoice], filters: dict) -> QuerySet[Invoice]:
    queryset = filter_by(
        queryset,
        filters,
        {
            **STATUS_AND_ACCOUNT,
            # Date ranges include both ends.
            "issued_from": "issued_on__gte",
            "issued_to": "issued_on__lte",
            "due_from": "due_on__gte",
            "due_to": "due_on__lte",
        },
    )
    if filters.get("overdue") is not None:
        overdue = aging.bucket_q(aging.OVERDUE, today=timezone.localdate())
        queryset = queryset.filter(overdue if filters["overdue"] else ~overdue)
    return queryset


def invoices_overdue(*, today: date) -> QuerySet[Invoice]:
    """The invoices past due (billing.aging): what the hourly sweep lapses, on day 31 after issue."""
    return Invoice.objects.filter(aging.bucket_q(aging.OVERDUE, today=today))


def ban_events_for(*, customer_id: int) -> QuerySet[BanEvent]:
    """An account's history of bans and reinstatements, newest first."""
    return BanEvent.objects.filter(customer_id=customer_id).select_related("invoice")


def payments_visible_to(*, user) -> QuerySet[Payment]:
    """A payment is visible to whoever sees its invoice: finance and admins act on them."""
    return Payment.objects.filter(invoice__in=invoices_visible_to(user=user).values("pk"))


def refunds_visible_to(*, user) -> QuerySet[Refund]:
    """Refunds owed and made: finance's and admins' to handle; nobody else's to list."""
    if not is_finance(user):
        return Refund.objects.none()
    return Refund.objects.select_related("invoice", "credit_note", "customer")


def refunds_filter(queryset: QuerySet[Refund], filters: dict) -> QuerySet[Refund]:
    return filter_by(queryset, filters, STATUS_AND_ACCOUNT)
