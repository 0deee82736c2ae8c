from django.db.models import QuerySet

from accounts.selectors import scoped_to_account
from config.filtering import STATUS_AND_ACCOUNT, filter_by
from credits.models import SlaCredit
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


def sla_credits_visible_to(*, user) -> QuerySet[SlaCredit]:
    """A customer sees its account's SLA credits; the staff (support, finance, admins) all of them."""
    return scoped_to_account(
        SlaCredit.objects.select_related("credit_note"), user=user, account="customer_id"
    )


def sla_credits_filter(queryset: QuerySet[SlaCredit], filters: dict) -> QuerySet[SlaCredit]:
    return filter_by(queryset, filters, STATUS_AND_ACCOUNT)


def sla_claims_visible_to(*, user) -> QuerySet[Ticket]:
    """The SLA claims (tickets of that kind) the user may see; any other ticket is not one (a 404)."""
    return tickets_visible_to(user=user).filter(kind=Ticket.Kind.SLA_CLAIM)
