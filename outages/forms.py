from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Service
from config.serializers import MAX_ID
from outages.services import SERVICES_MAX

TEXT_MAX = 5000
LINK_MAX = 500  # tickets linked in one go


def numbers_in(text: str, *, most: int, error) -> list[int]:
    """The numbers of a comma-separated list ("12, #13"); anything else, or too many, is `error`."""
    words = [word for word in (part.strip().lstrip("#") for part in text.split(",")) if word]
    if len(words) > most or any(not word.isdigit() or not 0 < int(word) <= MAX_ID for word in words):
        raise ValidationError(error)
    return [int(word) for word in words]


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        return value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "strftime") else value


class IncidentForm(forms.Form):
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    body_en = forms.CharField(
        label=_("Public text in English"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    title_fr = forms.CharField(label=_("Title in French"), max_length=200)
    body_fr = forms.CharField(
        label=_("Public text in French"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    title_de = forms.CharField(label=_("Title in German"), max_length=200)
    body_de = forms.CharField(
        label=_("Public text in German"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    service_kinds = forms.MultipleChoiceField(
        label=_("Kinds of service affected"),
        choices=Service.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_ids = forms.CharField(
        label=_("Services affected one by one"),
        required=False,
        max_length=20000,
        help_text=_("Service numbers separated by commas, besides the kinds above."),
    )
    starts_at = forms.DateTimeField(label=_("Start"), widget=MomentInput)
    ends_at = forms.DateTimeField(
        label=_("End"), required=False, widget=MomentInput, help_text=_("Leave empty while it is under way.")
    )

    def clean_service_ids(self) -> list[int]:
        return numbers_in(
            self.cleaned_data["service_ids"],
            most=SERVICES_MAX,
            error=_("Write service numbers separated by commas."),
        )


def incident_initial(incident) -> dict:
    """The form's values for an incident being edited."""
    values = {name: getattr(incident, name) for name in IncidentForm.base_fields if name != "service_ids"}
    values["service_ids"] = ", ".join(
        str(pk) for pk in sorted(incident.services.values_list("pk", flat=True))
    )
    return values


class ResolveForm(forms.Form):
    ends_at = forms.DateTimeField(
        label=_("Ended at"), required=False, widget=MomentInput, help_text=_("Leave empty for now.")
    )


class LinkTicketsForm(forms.Form):
    ticket_ids = forms.CharField(
        label=_("Ticket numbers"),
        max_length=5000,
        help_text=_("Incident tickets still open or in diagnosis, separated by commas."),
    )

    def clean_ticket_ids(self) -> list[int]:
        numbers = numbers_in(
            self.cleaned_data["ticket_ids"],
            most=LINK_MAX,
            error=_("Write ticket numbers separated by commas."),
        )
        if not numbers:
            raise ValidationError(_("Write ticket numbers separated by commas."))
        return numbers


class ConcludeLinkedForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Each customer reads them on the ticket."),
    )
