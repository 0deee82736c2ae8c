"""Which VAT a sale bears: one rule for the fee shown before opening, the ticket's fee, quotes and invoices.

`vat_treatment(seller, buyer, on)` is the only place that decides it (LAW-05). What we sell is a
service done by people (a diagnosis, then the work of a quote), so the general place-of-supply rules
of the VAT Directive (2006/112/EC) apply, never the special rule for electronically supplied
services (art. 58; Reg. 282/2011 art. 7(1): "essentially automated... with minimal human
intervention"), and so no One-Stop-Shop registration is needed for it:

| buyer                                   | category | rate                  | source                      |
|-----------------------------------------|----------|-----------------------|-----------------------------|
| in the seller's country                 | S        | seller's country      | art. 44 / art. 45           |
| other EU country, consumer              | S        | seller's country      | art. 45 (supplier's place)  |
| other EU country, business, VAT number  | AE       | 0 (customer accounts) | art. 44 and art. 196        |
| other EU country, business, no number   | S        | seller's country      | treated as a consumer       |
| outside the EU, business                | O        | 0                     | art. 44 (customer's place)  |
| outside the EU, consumer                | O        | 0                     | art. 59 (c) (consultancy, data processing) |

A business buyer in another member state without a valid VAT number is charged VAT as a consumer:
art. 196 needs the customer's VAT number on the invoice (art. 226 (4)), and we cannot invoice
reverse charge without it. Special territories (Canary Islands, Åland, Northern Ireland...) are not
modelled: a customer there is billed by their country code.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import BillingEntity
from accounts.selectors import billing_entity_for_country
from accounts.validators import EU_MEMBER_STATES
from billing.models import VatCategory, VatRate

ZERO = Decimal("0.00")

# BT-121, the VATEX code of the exemption reason (CEF code list); the standard rate has none.
EXEMPTION_CODES: dict[str, str] = {
    VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    VatCategory.OUTSIDE_SCOPE: "VATEX-EU-O",
}


@dataclass(frozen=True)
class Buyer:
    """What the VAT rule needs of a buyer: where it is, whether it is a business, its VAT number."""

    country: str
    is_business: bool
    vat_id: str = ""


def buyer_of(customer) -> Buyer:
    """A customer account as the VAT rule sees it."""
    return Buyer(country=customer.country, is_business=customer.is_business, vat_id=customer.vat_id)


@dataclass(frozen=True)
class VatTreatment:
    category: str  # a VatCategory value
    rate: Decimal  # percent, two decimals
    # The article that puts a sale without VAT where it is, as the mention cites it; empty under S.
    legal_basis: str = ""


class NoVatRate(ValidationError):
    """No VAT rate is on record for the country on the day: an admin must enter it (LAW-06)."""

    def __init__(self, country: str, on: date):
        super().__init__({"country": [f"No VAT rate is known for {country} on {on}."]})


def vat_rates_valid_on(*, country: str, on: date):
    """The country's rates valid on the day, newest first: the first is the one applied (LAW-06)."""
    return VatRate.objects.filter(country=country, valid_from__lte=on).order_by("-valid_from").values("rate")


def standard_rate(*, country: str, on: date) -> Decimal:
    rate = vat_rates_valid_on(country=country, on=on).values_list("rate", flat=True).first()
    if rate is None:
        raise NoVatRate(country, on)
    return rate


def vat_category_for(*, seller_country: str, buyer: Buyer) -> VatCategory:
    """The category alone, from the table above: no database, so a set-based path can call it per row."""
    if buyer.country == seller_country:
        return VatCategory.STANDARD
    if buyer.country not in EU_MEMBER_STATES:
        return VatCategory.OUTSIDE_SCOPE
    if buyer.is_business and buyer.vat_id:
        return VatCategory.REVERSE_CHARGE
    return VatCategory.STANDARD


def legal_basis(category: str, *, buyer_is_business: bool) -> str:
    """The article of Directive 2006/112/EC that puts a sale without VAT where it is (the mention cites it)."""
    if category == VatCategory.REVERSE_CHARGE:
        return "art. 196"
    if category == VatCategory.OUTSIDE_SCOPE:
        return "art. 44" if buyer_is_business else "art. 59"
    return ""


def vat_treatment(
    *, seller_country: str, buyer: Buyer, on: date, rate: Decimal | None = None
) -> VatTreatment:
    """The VAT of a sale by the entity established in `seller_country` to `buyer` on the day `on`.

    `rate` is the seller's standard rate when the caller already read it (in the same query as the
    price, say); it is read from the dated rates otherwise.
    """
    category = vat_category_for(seller_country=seller_country, buyer=buyer)
    if category in EXEMPTION_CODES:
        return VatTreatment(category, ZERO, legal_basis(category, buyer_is_business=buyer.is_business))
    if rate is None:
        rate = standard_rate(country=seller_country, on=on)
    return VatTreatment(category, rate)


def entity_billing(country: str) -> BillingEntity:
    """The entity that bills customers of `country`; a 400 on `country` when none does."""
    entity = billing_entity_for_country(country=country)
    if entity is None:
        raise ValidationError({"country": [f"We have no billing entity in {country}."]})
    return entity


def sale_terms(*, buyer: Buyer, on: date) -> tuple[BillingEntity, VatTreatment]:
    """The entity that bills `buyer` and the VAT it charges on a sale on the day `on`."""
    entity = entity_billing(buyer.country)
    return entity, vat_treatment(seller_country=entity.country, buyer=buyer, on=on)


def entity_may_issue(entity: BillingEntity) -> None:
    """An entity that holds seeded placeholder data (a fictitious IBAN, RCS...) issues nothing real."""
    if entity.is_demo and not settings.DEMO_ENTITIES_MAY_ISSUE:
        raise ValidationError(
            f"The billing entity {entity.legal_name} holds demo data: enter its legal identifiers and "
            "clear its demo mark in the admin before it issues documents."
        )
