"""The French and German catalogues (locale/*/LC_MESSAGES/django.po) hold to the rules of the language
review (issue 18): complete, reviewed, placeholders intact, French typography, formal address, and in step
with the messages of the code (`make messages` updates them)."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings

from accounts.management.commands.makemessages import Command as MakeMessages

LANGUAGES = ("fr", "de")
NBSP, NNBSP = "\u00a0", "\u202f"
# %(name)s, %s, %d, {name}, {} and the escaped %% must come through a translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|%%|\{\w*\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"))


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_reviewed_and_current(language):
    po = catalogue(language)

    assert [label(e) for e in po.untranslated_entries()] == []
    assert [label(e) for e in po.fuzzy_entries()] == []
    assert [label(e) for e in po.obsolete_entries()] == []
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message(language):
    wrong = [
        (label(entry), text)
        for entry in catalogue(language)
        for text in translations(entry)
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
    ]

    assert wrong == []


def test_french_has_a_no_break_space_before_high_punctuation_and_inside_guillemets():
    # « : » takes U+00A0; « ; ? ! » take U+202F (or U+00A0). A colon inside a time (10:00) or a URL is not
    # punctuation: only a sign followed by a space or the end counts.
    before_sign = re.compile(rf"(?:^|[^{NBSP}{NNBSP}])[:;?!](?=\s|$)")
    wrong = [
        (label(entry), text)
        for entry in catalogue("fr")
        for text in translations(entry)
        if before_sign.search(text) or re.search(rf"«[^{NBSP}]|[^{NBSP}]»", text)
    ]

    assert wrong == []


def test_french_uses_the_typographic_apostrophe():
    wrong = [(label(e), text) for e in catalogue("fr") for text in translations(e) if "'" in text]

    assert wrong == []


def test_german_addresses_the_reader_as_sie():
    informal = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure)\b", re.I)
    wrong = [(label(e), text) for e in catalogue("de") for text in translations(e) if informal.search(text)]

    assert wrong == []


class _Extract(MakeMessages):
    """`makemessages` that keeps the template (.pot) it builds from the code instead of merging it."""

    extracted: set[tuple[str | None, str]]

    def write_po_file(self, potfile, locale):
        self.extracted = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(potfile)}


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext is not installed (.ci/run installs it)"
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_exactly_the_messages_of_the_code(language, monkeypatch):
    monkeypatch.chdir(settings.BASE_DIR)
    command = _Extract()

    command.run_from_argv(["manage.py", "makemessages", "--locale", language, "--verbosity", "0"])

    in_catalogue = {(entry.msgctxt, entry.msgid) for entry in catalogue(language) if not entry.obsolete}
    assert sorted(command.extracted - in_catalogue, key=str) == []  # run `make messages`, then translate
    assert sorted(in_catalogue - command.extracted, key=str) == []  # messages no longer in the code
