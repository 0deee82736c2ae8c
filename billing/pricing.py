"""What a diagnosis costs in a country at a moment: the price book, VAT rates and free periods."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import BillingEntity
from billing.models import DiagnosisPrice, FreePeriod, VatRate
from config.money import to_cents, vat_on

INTRODUCTORY_PERIOD = "introductory_period"


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


def _vat_rates(*, country, on: date):
    return VatRate.objects.filter(country=country, valid_from__lte=on).order_by("-valid_from").values("rate")


def _diagnosis_prices(*, country, at: datetime):
    return (
        DiagnosisPrice.objects.filter(country=country, effective_from__lte=at)
        .order_by("-effective_from")
        .values("net")
    )


def _no_vat_rate(country: str, on: date) -> ValidationError:
    return ValidationError({"country": [f"No VAT rate is known for {country} on {on}."]})


def vat_rate_for(*, country: str, on: date) -> Decimal:
    rate = _vat_rates(country=country, on=on).values_list("rate", flat=True).first()
    if rate is None:
        raise _no_vat_rate(country, on)
    return rate


def free_period_covers(*, country: str, day: date) -> bool:
    # Free periods are few; the country test is done here so SQLite (no JSON containment) agrees.
    periods = FreePeriod.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
        "countries", flat=True
    )
    return any(not countries or country in countries for countries in periods)


def diagnosis_fee_for(*, country: str, at: datetime | None = None) -> Fee:
    """The fee a ticket opened at `at` carries; it is stored on the ticket and never recomputed."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    # The billing entity, its price and its VAT rate in one query: every new incident and every
    # "report an incident" page reads them.
    book = (
        BillingEntity.objects.filter(country=country)
        .annotate(
            price=Subquery(_diagnosis_prices(country=OuterRef("country"), at=at)[:1]),
            rate=Subquery(_vat_rates(country=OuterRef("country"), on=day)[:1]),
        )
        .values("currency", "price", "rate")
        .first()
    )
    if book is None:
        raise ValidationError({"country": [f"We have no billing entity in {country}."]})
    if book["rate"] is None:
        raise _no_vat_rate(country, day)
    net = to_cents(settings.DEFAULT_DIAGNOSIS_FEE_NET if book["price"] is None else book["price"])
    vat = vat_on(net, book["rate"])
    free = free_period_covers(country=country, day=day)
    return Fee(
        country=country,
        currency=book["currency"],
        net=net,
        vat_rate=book["rate"],
        vat=vat,
        gross=net + vat,
        free=free,
        free_reason=INTRODUCTORY_PERIOD if free else None,
    )


def diagnosis_price_set(*, country: str, net: Decimal, by) -> DiagnosisPrice:
    """A new net price for tickets opened from now on; earlier tickets keep the fee they showed."""
    country = (country or "").upper()
    if not BillingEntity.objects.filter(country=country).exists():
        raise ValidationError({"country": [f"We have no billing entity in {country}."]})
    return DiagnosisPrice.objects.create(country=country, net=to_cents(net), set_by=by)


def free_period_create(*, starts_on: date, ends_on: date, countries: list[str], by) -> FreePeriod:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": ["The last day cannot be before the first day."]})
    countries = sorted({c.upper() for c in countries})
    known = set(BillingEntity.objects.filter(country__in=countries).values_list("country", flat=True))
    unknown = [c for c in countries if c not in known]
    if unknown:
        raise ValidationError({"countries": [f"We have no billing entity in {', '.join(unknown)}."]})
    return FreePeriod.objects.create(starts_on=starts_on, ends_on=ends_on, countries=countries, created_by=by)
