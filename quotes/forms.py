from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.forms import long_text_field


class CompleteWorkForm(forms.Form):
    report = long_text_field(
        _("Work report"), help_text=_("What was done; the customer reads this and the invoice follows.")
    )
