"""The one rule of an SLA credit: what the contract grants for hours of unavailability of a service.

A percentage of the service's monthly price per hour (`SLA_CREDIT_PERCENT_PER_HOUR`), capped
(`SLA_CREDIT_CAP_PERCENT`), rounded once to the cent (config.money). The portals, the API and the demo
all go through `sla_credit_for`, through the services.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from config.money import to_cents

# An hour count is given to the hundredth (3.25 h) and at most a month long: one claim, one month's price.
HOURS_MAX = Decimal("744")


@dataclass(frozen=True)
class SlaCreditTerms:
    """The rates a credit was computed with, as they stood when it was granted."""

    percent_per_hour: Decimal
    cap_percent: Decimal

    @classmethod
    def from_settings(cls) -> "SlaCreditTerms":
        return cls(
            percent_per_hour=settings.SLA_CREDIT_PERCENT_PER_HOUR, cap_percent=settings.SLA_CREDIT_CAP_PERCENT
        )


@dataclass(frozen=True)
class SlaCreditAmount:
    percent: Decimal  # of the monthly price, after the cap; exact, never rounded
    amount: Decimal  # net, in cents


def sla_credit_for(*, monthly_price: Decimal, hours: Decimal, terms: SlaCreditTerms) -> SlaCreditAmount:
    """`hours` × the rate per hour, at most the cap, of the monthly price; the amount rounded once, half-up."""
    percent = min(Decimal(hours) * terms.percent_per_hour, terms.cap_percent)
    return SlaCreditAmount(percent=percent, amount=to_cents(Decimal(monthly_price) * percent / 100))
