from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.form_fields import positive_decimal_field
from tickets.fees import Outcome
from tickets.forms import long_text_field


class ConcludeForm(forms.Form):
    findings = long_text_field(_("Findings"), help_text=_("What you found; the customer reads this."))
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
    quantity = positive_decimal_field(_("Quantity"), max_digits=10, max_value=Decimal("99999"))
    unit_price = positive_decimal_field(_("Unit price (net)"), max_value=Decimal("1000000"))


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, extra=3, max_num=100, validate_max=True, absolute_max=100
)
