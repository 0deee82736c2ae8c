from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tickets.fees import Outcome

TEXT_MAX = 20000


class ConcludeForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings"),
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        help_text=_("What you found; the customer reads this."),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    valid_days = forms.IntegerField(
        label=_("Quote valid for (days)"),
        min_value=1,
        max_value=90,
        initial=settings.QUOTE_DEFAULT_VALID_DAYS,
        required=False,
    )


class QuoteLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=500)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99999"),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (net)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000000"),
    )


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, extra=3, max_num=100, validate_max=True, absolute_max=100
)
