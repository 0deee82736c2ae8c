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


class AccessRequestForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Access asked for"),
        choices=[("read_data", _("Read customer data")), ("modify_data", _("Modify customer data"))],
    )
    reason = forms.CharField(
        label=_("Why (the customer reads this)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    duration_hours = forms.IntegerField(
        label=_("For how many hours once granted"), min_value=1, max_value=72, initial=4
    )


class InterventionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("read_data", _("Read customer data")),
            ("modify_data", _("Modify customer data")),
            ("suspend_service", _("Suspend the service (emergency)")),
            ("rescue_mode", _("Boot into rescue mode (emergency)")),
        ],
    )
    description = forms.CharField(
        label=_("What you did"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
