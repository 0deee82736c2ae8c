import pycountry
from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import BillingEntity, Customer, Service, User
from accounts.permissions import is_customer, is_staff_member


def scoped_to_account(queryset: QuerySet, *, user: User, account: str, staff=is_staff_member) -> QuerySet:
    """The one ownership rule: the staff `staff` admits see every row, a customer user its own account's
    rows (`account` is the lookup of the row's account id), anyone else none; so another's is a 404."""
    if staff(user):
        return queryset
    if is_customer(user) and user.customer_id is not None:  # a customer user has an account
        return queryset.filter(**{account: user.customer_id})
    return queryset.none()


def customers_visible_to(*, user: User) -> QuerySet[Customer]:
    return scoped_to_account(Customer.objects.all(), user=user, account="pk")


def services_visible_to(*, user: User) -> QuerySet[Service]:
    return scoped_to_account(Service.objects.all(), user=user, account="customer_id")


def billing_entity_for_country(*, country: str) -> BillingEntity | None:
    """The entity that bills customers of `country`: the one established there, else the one that
    lists the country, else the one that bills every other country; None when no entity does."""
    if not is_country_code(country):
        return None
    entities = list(BillingEntity.objects.all())  # a handful of rows: one query, ordered in Python
    for admits in (
        lambda entity: entity.country == country,
        lambda entity: country in entity.also_bills_countries,
        lambda entity: entity.bills_other_countries,
    ):
        for entity in entities:
            if admits(entity):
                return entity
    return None


def is_country_code(country: str) -> bool:
    """An ISO 3166-1 alpha-2 code of a country (upper case)."""
    return len(country) == 2 and pycountry.countries.get(alpha_2=country) is not None


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
