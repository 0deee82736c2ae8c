"""One formatter for amounts, rates and dates (config/formatting.py): the web, e-mails, CSV files and PDFs."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from config.formatting import (
    format_csv_number,
    format_date,
    format_date_lazy,
    format_datetime,
    format_money,
    format_percent,
    format_quantity,
)

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        (Decimal("263.88"), "fr", f"263,88{NBSP}€"),
        (Decimal("263.88"), "de", f"263,88{NBSP}€"),
        (Decimal("263.88"), "en", "€263.88"),
        # As SQLite hands back a computed amount: its float with fifteen digits.
        (Decimal("263.880000000000"), "fr", f"263,88{NBSP}€"),
        (Decimal("23.8000000000000"), "de", f"23,80{NBSP}€"),
        (Decimal("0"), "fr", f"0,00{NBSP}€"),
        (0, "en", "€0.00"),
        (Decimal("-0.001"), "fr", f"0,00{NBSP}€"),
        (Decimal("-263.88"), "fr", f"-263,88{NBSP}€"),
        (Decimal("-263.88"), "en", "-€263.88"),
        (Decimal("9999999999.99"), "fr", f"9{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€"),
        (Decimal("1234567.5"), "de", f"1.234.567,50{NBSP}€"),
        (Decimal("1234567.5"), "en", "€1,234,567.50"),
        # Rounded half-up to the cent, by config.money.to_cents, never half-even.
        (Decimal("0.125"), "en", "€0.13"),
        ("239.88", "fr", f"239,88{NBSP}€"),  # as a ticket's history records it
    ],
)
def test_money_is_written_as_its_readers_expect(amount, language, text):
    assert format_money(amount, "EUR", language=language) == text


def test_a_currency_without_a_symbol_is_written_by_its_code():
    assert format_money(Decimal("1500"), "CHF", language="fr") == f"1{NNBSP}500,00{NBSP}CHF"
    assert format_money(Decimal("1500"), "CHF", language="en") == f"CHF{NBSP}1,500.00"
    assert format_money(Decimal("-5"), "CHF", language="en") == f"-CHF{NBSP}5.00"


def test_a_float_is_refused():
    with pytest.raises(TypeError):
        format_money(263.88, "EUR")  # type: ignore[arg-type]


def test_the_active_language_is_the_default():
    with translation.override("de"):
        assert format_money(Decimal("20"), "EUR") == f"20,00{NBSP}€"
        assert format_date(date(2026, 3, 15)) == "15.03.2026"
    with translation.override("es"):  # a language without its own rule is written as English
        assert format_money(Decimal("20"), "EUR") == "€20.00"


@pytest.mark.parametrize(
    ("rate", "language", "text"),
    [
        (Decimal("20.00"), "fr", f"20{NBSP}%"),
        (Decimal("20"), "de", f"20{NBSP}%"),
        (Decimal("20.00"), "en", "20%"),
        (Decimal("5.50"), "fr", f"5,5{NBSP}%"),
        (Decimal("5.5"), "en", "5.5%"),
        (Decimal("0.00"), "fr", f"0{NBSP}%"),
        (Decimal("0"), "en", "0%"),
        (Decimal("19.000000000000"), "de", f"19{NBSP}%"),
    ],
)
def test_a_rate_shows_decimals_only_when_they_are_not_zero(rate, language, text):
    assert format_percent(rate, language=language) == text


def test_quantities_drop_trailing_zeros():
    assert format_quantity(Decimal("1.00"), language="fr") == "1"
    assert format_quantity(Decimal("2.25"), language="de") == "2,25"
    assert format_quantity(1234, language="en") == "1,234"


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("fr", "15/03/2026", "15/03/2026 14:05"),
        ("de", "15.03.2026", "15.03.2026 14:05"),
        ("en", "2026-03-15", "2026-03-15 14:05"),  # never the American 03/15/2026
    ],
)
def test_one_date_pattern_per_language(language, day, moment):
    noon = datetime(2026, 3, 15, 13, 5, tzinfo=UTC)  # 14:05 in Paris and Berlin
    assert format_date(date(2026, 3, 15), language=language) == day
    assert format_datetime(noon, country="FR", language=language) == moment
    assert format_datetime(noon, language=language) == moment  # the current time zone: Paris


def test_a_moment_is_read_on_the_clock_of_its_reader():
    late = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
    assert format_datetime(late, country="DE", language="de") == "16.03.2026 00:30"
    assert format_datetime(late, zone="UTC", language="en") == "2026-03-15 23:30"
    assert format_date(late, language="fr") == "16/03/2026"  # its day in Paris


def test_a_lazy_date_is_written_in_the_language_active_when_it_is_read():
    due = format_date_lazy(date(2026, 3, 15))
    with translation.override("fr"):
        # As the outbox formats an e-mail subject, a translated text with %-fields.
        assert "due on %(day)s" % {"day": due} == "due on 15/03/2026"  # noqa: UP031
    with translation.override("en"):
        assert str(due) == "2026-03-15"


def test_csv_numbers_have_two_places_and_the_decimal_mark_asked_for():
    assert format_csv_number(Decimal("263.880000000000")) == "263.88"
    assert format_csv_number(Decimal("20.00"), decimal_comma=True) == "20,00"
    assert format_csv_number(Decimal("-1234.5"), decimal_comma=True) == "-1234,50"
    assert format_csv_number(7) == 7


def test_the_template_filters_format_in_the_active_language():
    template = Template(
        "{% load formatting %}{{ amount|money:currency }}|{{ rate|percent }}|{{ day|day }}|{{ at|moment }}"
        "|{{ missing|money }}"
    )
    context = Context(
        {
            "amount": Decimal("263.880000000000"),
            "currency": "EUR",
            "rate": Decimal("20.00"),
            "day": date(2026, 3, 15),
            "at": datetime(2026, 3, 15, 13, 5, tzinfo=UTC),
            "missing": None,
        }
    )
    with translation.override("fr"):
        assert template.render(context) == f"263,88{NBSP}€|20{NBSP}%|15/03/2026|15/03/2026 14:05|"
    with translation.override("en"):
        assert template.render(context) == "€263.88|20%|2026-03-15|2026-03-15 14:05|"
