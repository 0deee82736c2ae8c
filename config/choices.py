"""Choice labels looked up, not rebuilt: `get_FOO_display()` at the cost of a dict lookup."""

from functools import lru_cache

from django.utils import translation


@lru_cache(maxsize=512)
def choice_labels(field, language: str | None) -> dict:
    """Each value of a field's choices with its label, translated into `language` (built once)."""
    with translation.override(language):
        return {value: str(label) for value, label in field.flatchoices}


class CachedChoiceLabels:
    """Models whose `get_FOO_display()` is read on every row of a list.

    Django's own implementation builds a dict of every choice of the field, hashing and translating
    each lazy label, at every call: twice a row on a list page, about a tenth of its time. The labels
    of a field only differ by language, so they are built once per field and language.
    """

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return choice_labels(field, translation.get_language()).get(value, value)
