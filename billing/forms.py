from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice

# Aging of open invoices by days left to the due day; each bucket is a range of due days.
AGING_BUCKETS = [
    ("overdue", _("Past due")),
    ("0-7", _("Due within 7 days")),
    ("8-14", _("Due in 8 to 14 days")),
    ("15-30", _("Due in 15 to 30 days")),
]


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + Invoice.State.choices)
    aging = forms.ChoiceField(label=_("Due"), required=False, choices=[("", _("Any day"))] + AGING_BUCKETS)
    customer = forms.CharField(label=_("Customer name"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All"))] + [(code, code) for code in countries]
