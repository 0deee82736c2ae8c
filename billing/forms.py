from django import forms
from django.utils.translation import gettext_lazy as _

from billing.aging import BUCKETS
from billing.models import Invoice
from config.form_fields import CountryFilterForm, positive_decimal_field
from config.widgets import QuickSelect

# The status filter's "every status" choice: a value of its own, because a list's default (open invoices)
# applies when the filter is absent, and "All" must not read as absent.
ALL_STATUSES = "all"


class InvoiceFilterForm(CountryFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=QuickSelect,
        choices=[(ALL_STATUSES, _("All"))] + Invoice.State.choices,
    )
    aging = forms.ChoiceField(
        label=_("Due"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("Any day"))] + [(bucket.name, bucket.choice) for bucket in BUCKETS],
    )
    customer = forms.CharField(label=_("Customer name"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False, widget=QuickSelect)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you refuse this invoice?"),
        max_length=2000,
        widget=forms.Textarea,
        help_text=_("Finance reads this before deciding on a reinstatement."),
    )
    understood = forms.BooleanField(
        label=_("I understand that my account then loses all support, including SLA claims."), required=True
    )


class PaymentForm(forms.Form):
    amount = positive_decimal_field(_("Amount received"))
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reference = forms.CharField(label=_("Bank reference"), max_length=200, required=False)


class PaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the reversal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the reinstatement"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefundForm(forms.Form):
    reference = forms.CharField(label=_("Transfer reference"), max_length=200)
