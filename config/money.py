"""The one place where money is rounded: half-up to the cent (EN 16931 BR-DEC rules).

In config, below every app: billing computes with it and the PDF engine (documents) writes amounts with it.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_on(net: Decimal, rate_percent: Decimal) -> Decimal:
    """VAT on a net total, computed once on the total (never summed from rounded line VATs)."""
    return to_cents(Decimal(net) * Decimal(rate_percent) / 100)
