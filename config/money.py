"""The one place where money is rounded: half-up to the cent (EN 16931 BR-DEC rules).

In config, below every app: billing computes with it and the PDF engine (documents) writes amounts with it.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

CENT = Decimal("0.01")


class Digits(TypedDict):
    max_digits: int
    decimal_places: int


# Every money column: cents, up to ten digits before the point.
MONEY_DIGITS: Digits = {"max_digits": 12, "decimal_places": 2}
# The largest amount a money column holds (9,999,999,999.99): a document whose total would not fit is
# refused as invalid input before it is written (the database would answer "numeric field overflow").
MONEY_MAX = Decimal(10 ** (MONEY_DIGITS["max_digits"] - MONEY_DIGITS["decimal_places"])) - CENT
# The largest amount one input may carry (a price, a payment): a tenth of MONEY_MAX, so that a value with
# its VAT still fits a column; the sum of a document's lines is checked against MONEY_MAX itself.
AMOUNT_INPUT_MAX = (MONEY_MAX + CENT) / 10 - CENT


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_on(net: Decimal, rate_percent: Decimal) -> Decimal:
    """VAT on a net total, computed once on the total (never summed from rounded line VATs)."""
    return to_cents(Decimal(net) * Decimal(rate_percent) / 100)
