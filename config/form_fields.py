"""Form fields and bases the portals share."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from config.money import AMOUNT_INPUT_MAX


def positive_decimal_field(label, *, max_digits: int = 12, max_value: Decimal = AMOUNT_INPUT_MAX):
    """A positive number with two decimals (an amount, a price, a quantity), bounded to fit its column."""
    return forms.DecimalField(
        label=label, max_digits=max_digits, decimal_places=2, min_value=Decimal("0.01"), max_value=max_value
    )


class CountryFilterForm(forms.Form):
    """A list's filter form whose `country` field offers `countries` (the provider's billing countries)."""

    def __init__(self, *args, countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("All"))] + [(code, code) for code in countries]
