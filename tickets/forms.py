"""Portal forms for tickets: they bound and shape input; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.form_fields import CountryFilterForm
from config.widgets import QuickSelect
from tickets.models import Ticket
from tickets.search import QUERY_MAX_LENGTH
from tickets.services import fee_acceptance_check

TEXT_MAX = 20000


def long_text_field(label, *, rows: int | None = None, **kwargs) -> forms.CharField:
    """A text written at length (a description, findings, an answer), bounded like the API's text fields."""
    widget = forms.Textarea(attrs={"rows": rows} if rows else None)
    return forms.CharField(label=label, max_length=TEXT_MAX, widget=widget, **kwargs)


class TicketOpenForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you need?"), choices=Ticket.Kind.choices, initial=Ticket.Kind.INCIDENT
    )
    service: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Service concerned"), queryset=None, required=False, empty_label=_("— none or several —")
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = long_text_field(_("Description"))
    suspected_provider_fault = forms.BooleanField(
        label=_("I think the fault is on the provider's side"),
        required=False,
        help_text=_("If the diagnosis finds the provider at fault, it is free whatever you tick here."),
    )
    outage_started_at = forms.DateTimeField(
        label=_("SLA claim: unavailable from"),
        required=False,
        help_text=_("Your local time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outage_ended_at = forms.DateTimeField(
        label=_("SLA claim: available again at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    accept_diagnosis_fee = forms.BooleanField(
        label=_("I have read the diagnosis fee and the possible outcomes above, and I order the diagnosis."),
        required=False,
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def clean(self):
        # Checked with the other fields, so that one submit shows every error (the service checks it again).
        cleaned = super().clean()
        if "accept_diagnosis_fee" in self.fields:
            try:
                fee_acceptance_check(
                    kind=cleaned.get("kind", Ticket.Kind.INCIDENT),
                    accept_diagnosis_fee=bool(cleaned.get("accept_diagnosis_fee")),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class MessageForm(forms.Form):
    body = long_text_field(_("Message"), rows=4)
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("PNG, JPEG, PDF, text or log file, 10 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf,.txt,.log"}),
    )


class TicketSearchForm(forms.Form):
    """The search box of the ticket lists (tickets/search.py). Unlike the other filters, a search that
    cannot be run (too long, a NUL character) is an error shown on the page, not silently dropped: the
    list would otherwise show every ticket as if they all matched."""

    q = forms.CharField(
        label=_("Search"),
        max_length=QUERY_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Words, customer, #123 or FR-2026-000123"),
                "maxlength": QUERY_MAX_LENGTH,
            }
        ),
    )

    def search_error(self) -> bool:
        return not self.is_valid() and "q" in self.errors

    def search(self) -> str:
        """The text to search for ("" for none), when it can be run, whatever the other fields hold."""
        return "" if self.search_error() else getattr(self, "cleaned_data", {}).get("q", "")


class QueueFilterForm(TicketSearchForm, CountryFilterForm):
    """Filters of the staff lists; anything invalid is ignored rather than an error page, but for the search
    (TicketSearchForm)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All"))] + Ticket.Kind.choices, required=False, widget=QuickSelect
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + Ticket.State.choices, required=False, widget=QuickSelect
    )
    country = forms.ChoiceField(label=_("Country"), required=False, widget=QuickSelect)
    suspected_provider_fault = forms.NullBooleanField(
        label=_("Provider fault suspected"),
        required=False,
        widget=QuickSelect(choices=[("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
    )
    breached = forms.BooleanField(label=_("Response target missed"), required=False)
    # What the "My tickets" counter counts: the customer acted last and no staff member has answered since.
    waiting = forms.BooleanField(label=_("Waiting for an answer"), required=False)

    def selector_filters(self, *, user) -> dict:
        if not self.is_valid():
            return {"q": self.search()} if self.search() else {}
        data = self.cleaned_data
        filters = {
            key: data[key]
            for key in ("q", "kind", "status", "country", "breached", "waiting")
            if data.get(key)
        }
        if data.get("suspected_provider_fault") is not None:
            filters["suspected_provider_fault"] = data["suspected_provider_fault"]
        if data.get("assignee") == "me":
            filters["assignee"] = user.pk
        elif data.get("assignee") == "none":
            filters["unassigned"] = True
        return filters


class CloseForm(forms.Form):
    answer = long_text_field(_("Answer to the customer"))
