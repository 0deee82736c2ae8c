from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.forms import TEXT_MAX


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
