"""What a diagnosis costs in a country at a moment: the price book, VAT rates and free periods."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils import timezone

from accounts.models import BillingEntity, Service
from accounts.selectors import billing_entity_for_country
from billing.models import DiagnosisPrice, FreePeriod
from billing.tax import Buyer, VatCategory, entity_billing, vat_rates_valid_on, vat_treatment
from config.money import to_cents, vat_on

INTRODUCTORY_PERIOD = "introductory_period"
PROVIDER_INCIDENT = "provider_incident"  # a known incident of ours on the service: the guarantee covers it
FREE_REASONS = (INTRODUCTORY_PERIOD, PROVIDER_INCIDENT)

# The known provider incidents under way at a moment that affect some of the services given: {service id:
# incident id}. Filled once by the app that publishes incidents (outages, above billing) in its
# AppConfig.ready(): billing knows no incident, only that one makes a diagnosis free.
KnownIncidentLookup = Callable[[Sequence[Service], datetime], dict[int, int]]
_KNOWN_INCIDENT_LOOKUPS: list[KnownIncidentLookup] = []


def known_incident_lookup(lookup: KnownIncidentLookup) -> KnownIncidentLookup:
    """Register `lookup` as a source of known provider incidents."""
    _KNOWN_INCIDENT_LOOKUPS.append(lookup)
    return lookup


def known_incidents_affecting(*, services: Sequence[Service], at: datetime) -> dict[int, int]:
    """{service id: id of a known provider incident affecting it at `at`}, for the services affected."""
    found: dict[int, int] = {}
    if services:
        for lookup in _KNOWN_INCIDENT_LOOKUPS:
            found = {**lookup(services, at), **found}
    return found


@dataclass(frozen=True)
class Fee:
    """A diagnosis fee as shown to the customer: priced now (diagnosis_fee_for), or as a ticket keeps it."""

    currency: str
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    free: bool
    free_reason: str | None
    country: str = ""  # the country priced; a ticket's fee keeps only its amounts
    vat_category: str = VatCategory.STANDARD  # S, or AE (reverse charge) / O (outside the scope) at 0 %
    provider_incident: int | None = (
        None  # the known incident that makes it free (free_reason provider_incident)
    )


def _diagnosis_prices(*, country, at: datetime):
    return (
        DiagnosisPrice.objects.filter(country=country, effective_from__lte=at)
        .order_by("-effective_from")
        .values("net")
    )


def free_period_covers(*, country: str, day: date) -> bool:
    # Free periods are few; the country test is done here so SQLite (no JSON containment) agrees.
    periods = FreePeriod.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
        "countries", flat=True
    )
    return any(not countries or country in countries for countries in periods)


def diagnosis_fee_for(*, buyer: Buyer, at: datetime | None = None, service: Service | None = None) -> Fee:
    """The fee a ticket opened at `at` (on `service`, if one is named) carries; it is stored on the ticket
    and never recomputed.

    The net price is the buyer's country's; the VAT is what the billing entity charges this buyer
    (billing.tax.vat_treatment): its own country's rate, or none under reverse charge or outside the EU.
    It is free during a free period, or when a known provider incident affects the service: the one place
    that decides it, so the fee shown, the fee accepted and the bill agree.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    entity = entity_billing(buyer.country)
    # The buyer's country's price and the seller's VAT rate in one query: every new incident and
    # every "report an incident" page reads them.
    book = (
        BillingEntity.objects.filter(pk=entity.pk)
        .annotate(
            price=Subquery(_diagnosis_prices(country=buyer.country, at=at)[:1]),
            rate=Subquery(vat_rates_valid_on(country=entity.country, on=day)[:1]),
        )
        .values("price", "rate")
        .get()
    )
    price = book["price"]
    treatment = vat_treatment(seller_country=entity.country, buyer=buyer, on=day, rate=book["rate"])
    net = to_cents(settings.DEFAULT_DIAGNOSIS_FEE_NET if price is None else price)
    vat = vat_on(net, treatment.rate)
    incident = (
        known_incidents_affecting(services=[service], at=at).get(service.pk) if service is not None else None
    )
    free = incident is not None or free_period_covers(country=buyer.country, day=day)
    return Fee(
        country=buyer.country,
        currency=entity.currency,
        net=net,
        vat_rate=treatment.rate,
        vat=vat,
        gross=net + vat,
        free=free,
        free_reason=PROVIDER_INCIDENT if incident is not None else INTRODUCTORY_PERIOD if free else None,
        vat_category=treatment.category,
        provider_incident=incident,
    )


def diagnosis_price_set(*, country: str, net: Decimal, by) -> DiagnosisPrice:
    """A new net price for tickets opened from now on; earlier tickets keep the fee they showed."""
    country = (country or "").upper()
    entity_billing(country)
    return DiagnosisPrice.objects.create(country=country, net=to_cents(net), set_by=by)


def free_period_create(*, starts_on: date, ends_on: date, countries: list[str], by) -> FreePeriod:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": ["The last day cannot be before the first day."]})
    countries = sorted({c.upper() for c in countries})
    unknown = [c for c in countries if billing_entity_for_country(country=c) is None]
    if unknown:
        raise ValidationError({"countries": [f"We have no billing entity in {', '.join(unknown)}."]})
    return FreePeriod.objects.create(starts_on=starts_on, ends_on=ends_on, countries=countries, created_by=by)
