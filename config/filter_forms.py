"""Filter forms the portals' lists share."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CountryFilterForm(forms.Form):
    """A list's filters with a `country` ChoiceField (declared by the form, in its place among the filters)
    offering `countries`, which are known only when the page is asked for."""

    def __init__(self, *args, countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("All"))] + [(code, code) for code in countries]
