"""QuickSelect renders what Django's Select renders, escaped the same way."""

import pytest
from django import forms
from django.test import SimpleTestCase

CHOICES = [("", "All"), ("open", "Open"), ("a&b", '<b>bold</b> & "quoted"')]
GROUPED = [("", "Any"), ("Europe", [("fr", "France"), ("de", "Deutschland")]), ("other", "Other")]


@pytest.mark.parametrize("choices", [CHOICES, GROUPED])
@pytest.mark.parametrize("value", [None, "", "open", "a&b", "de", "not-a-choice"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_status", "aria-invalid": "true", "class": 'x"y'}])
def test_the_same_markup_as_djangos_select(choices, value, attrs):
    from config.widgets import QuickSelect

    ours = QuickSelect(choices=choices).render("status", value, attrs=attrs)
    django = forms.Select(choices=choices).render("status", value, attrs=attrs)
    SimpleTestCase().assertHTMLEqual(ours, django)


def test_labels_and_values_are_escaped():
    from config.widgets import QuickSelect

    html = QuickSelect(choices=CHOICES).render("status", "a&b")
    assert "<b>" not in html
    assert 'value="a&amp;b" selected' in html
