from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.forms import TEXT_MAX


class CompleteWorkForm(forms.Form):
    report = forms.CharField(
        label=_("Work report"),
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        help_text=_("What was done; the customer reads this and the invoice follows."),
    )
