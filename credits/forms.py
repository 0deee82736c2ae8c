"""Portal forms of an SLA claim's assessment: they bound the input; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from credits.rules import HOURS_MAX


class SlaGrantForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Hours of unavailability confirmed"),
        min_value=Decimal("0.01"),
        max_value=HOURS_MAX,
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "To the hundredth (1.5 for an hour and a half); at most the period the customer claimed."
        ),
    )


class SlaRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal (the customer reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
