from django.db.models import QuerySet

from accounts.permissions import is_support
from accounts.selectors import scoped_to_account
from quotes.models import Quote


def quotes_visible_to(*, user) -> QuerySet[Quote]:
    return scoped_to_account(Quote.objects.all(), user=user, account="ticket__customer_id", staff=is_support)
