from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import GRANT_MAX_HOURS, AccessRequest, DataAction
from tickets.forms import long_text_field


class AccessRequestForm(forms.Form):
    scope = forms.ChoiceField(label=_("Access asked for"), choices=AccessRequest.Scope.choices)
    reason = forms.CharField(
        label=_("Why (the customer reads this)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    duration_hours = forms.IntegerField(
        label=_("For how many hours once granted"), min_value=1, max_value=GRANT_MAX_HOURS, initial=4
    )


class InterventionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=DataAction.choices)
    description = long_text_field(_("What you did"), rows=3)
