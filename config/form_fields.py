"""Form fields the portals share."""

from decimal import Decimal

from django import forms


def positive_decimal_field(label, *, max_digits: int = 12, max_value: Decimal = Decimal("999999999.99")):
    """A positive number with two decimals (an amount, a price, a quantity), bounded to fit its column."""
    return forms.DecimalField(
        label=label, max_digits=max_digits, decimal_places=2, min_value=Decimal("0.01"), max_value=max_value
    )
