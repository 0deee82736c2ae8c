from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.permissions import is_customer, is_finance
from billing.models import Invoice, Payment


def invoices_visible_to(*, user) -> QuerySet[Invoice]:
    """Customers see their account's invoices; finance and admins see all; support staff none."""
    if is_finance(user):
        queryset = Invoice.objects.all()
    elif is_customer(user):
        queryset = Invoice.objects.filter(customer_id=user.customer_id)
    else:
        return Invoice.objects.none()
    return with_amount_paid(queryset)


def with_amount_paid(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    # A correlated subquery rather than a JOIN + GROUP BY, so keyset pagination stays an index scan.
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return queryset.annotate(amount_paid=Coalesce(Subquery(paid, output_field=money), Value(0), output_field=money))


def invoices_for_api(*, user) -> QuerySet[Invoice]:
    return invoices_visible_to(user=user).select_related("credit_note").prefetch_related("lines")


def invoices_filter(queryset: QuerySet[Invoice], filters: dict) -> QuerySet[Invoice]:
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("customer"):
        queryset = queryset.filter(customer_id=filters["customer"])
    return queryset
