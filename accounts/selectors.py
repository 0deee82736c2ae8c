from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import BillingEntity, Customer, Service, User
from accounts.permissions import is_customer, is_staff_member


def customers_visible_to(*, user: User) -> QuerySet[Customer]:
    if is_staff_member(user):
        return Customer.objects.all()
    if is_customer(user) and user.customer_id is not None:  # a customer user has an account
        return Customer.objects.filter(pk=user.customer_id)
    return Customer.objects.none()


def services_visible_to(*, user: User) -> QuerySet[Service]:
    if is_staff_member(user):
        return Service.objects.all()
    if is_customer(user) and user.customer_id is not None:
        return Service.objects.filter(customer_id=user.customer_id)
    return Service.objects.none()


def billing_entity_for_country(*, country: str) -> BillingEntity | None:
    return BillingEntity.objects.filter(country=country).first()


BILLING_COUNTRIES_SECONDS = 300


def billing_countries() -> list[str]:
    """The countries the provider bills in, for the list filters shown on every view of the staff
    and finance lists. A billing entity is added once in years: a new one shows within five minutes.
    """
    countries = cache.get_or_set(
        "billing-countries",
        lambda: list(BillingEntity.objects.order_by("country").values_list("country", flat=True)),
        BILLING_COUNTRIES_SECONDS,
    )
    assert countries is not None  # the default is a list, never None
    return countries
