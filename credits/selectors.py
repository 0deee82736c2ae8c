from django.db.models import QuerySet

from accounts.permissions import is_customer, is_staff_member
from credits.models import SlaCredit
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


def sla_credits_visible_to(*, user) -> QuerySet[SlaCredit]:
    """A customer sees its account's SLA credits; the staff (support, finance, admins) all of them."""
    credits = SlaCredit.objects.select_related("credit_note")
    if is_customer(user):
        return credits.filter(customer_id=user.customer_id)
    if is_staff_member(user):
        return credits
    return credits.none()


def sla_credits_filter(queryset: QuerySet[SlaCredit], filters: dict) -> QuerySet[SlaCredit]:
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("customer"):
        queryset = queryset.filter(customer_id=filters["customer"])
    return queryset


def sla_claims_visible_to(*, user) -> QuerySet[Ticket]:
    """The SLA claims (tickets of that kind) the user may see; any other ticket is not one (a 404)."""
    return tickets_visible_to(user=user).filter(kind=Ticket.Kind.SLA_CLAIM)
