from django.db.models import QuerySet

from accounts.permissions import is_customer, is_support
from quotes.models import Quote


def quotes_visible_to(*, user) -> QuerySet[Quote]:
    if is_support(user):
        return Quote.objects.all()
    if is_customer(user):
        return Quote.objects.filter(ticket__customer_id=user.customer_id)
    return Quote.objects.none()
