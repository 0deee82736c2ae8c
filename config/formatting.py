"""The one place where amounts, percentages, numbers and dates are written for people to read.

Web pages, e-mails, CSV files for spreadsheets and the PDF documents all format through these functions, in
the active Django language unless one is given (fr, de; anything else is written as English). Money is
quantized to the cent by `config.money.to_cents`, the one rounding rule: a database may hand an amount back
with more places (SQLite returns `Decimal("263.880000000000")` for a computed column) and it is shown as
263.88 all the same. Nothing here takes a float: a float is refused rather than shown with its binary error.

The API's output (amounts as strings with two places, ISO dates) is not written here: it is a contract for
programs, not text for people. CSV files take their numbers from `format_csv_number`: two places, with a
point for programs (the API's CSV, unchanged) or a comma for a French or German spreadsheet.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.functional import lazy

from config.money import to_cents

Number = Decimal | int | str

_SEPARATORS = {  # (thousands, decimal)
    "fr": ("\u202f", ","),  # narrow no-break space, as the Imprimerie nationale sets numbers
    "de": (".", ","),
    "en": (",", "."),
}
_CURRENCY_SYMBOLS = {"EUR": "€"}
NBSP = "\u00a0"


def language_of(language: str | None = None) -> str:
    """`language`, else the active one, as one of the languages numbers and dates are written in."""
    code = (language or translation.get_language() or "en").split("-")[0].lower()
    return code if code in _SEPARATORS else "en"


def _decimal(value: Number) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"a float is no amount: {value!r} (give a Decimal)")
    return Decimal(value)


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_decimal(value: Number, *, places: int | None = 2, language: str | None = None) -> str:
    """`1234.5` → "1 234,50" (fr), "1.234,50" (de), "1,234.50" (en).

    places=2 rounds to the cent (`to_cents`); places=None writes the value's own places without trailing
    zeros ("5,5", "20")."""
    if places not in (2, None):
        raise ValueError("a number is written with its cents or with its own places")
    thousands, decimal_mark = _SEPARATORS[language_of(language)]
    number = _decimal(value)
    text = f"{abs(to_cents(number)):f}" if places == 2 else f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    if places is None:
        fraction = fraction.rstrip("0")
    # A value that rounds to zero has no sign: "0,00 €", never "-0,00 €".
    sign = "-" if number < 0 and any(digit != "0" for digit in whole + fraction) else ""
    return sign + _group(whole, thousands) + (decimal_mark + fraction if fraction else "")


def format_money(amount: Number, currency: str = "EUR", *, language: str | None = None) -> str:
    """ "263,88 €" in French and German (a no-break space before the symbol); "€263.88" in English.

    A currency without a symbol here is written by its code: "263,88 CHF", "CHF 263.88"."""
    lang = language_of(language)
    symbol = _CURRENCY_SYMBOLS.get(currency, currency)
    number = format_decimal(amount, language=lang)
    if lang != "en":
        return f"{number}{NBSP}{symbol}"
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    return f"{sign}{symbol}{digits}" if symbol != currency else f"{sign}{currency}{NBSP}{digits}"


def format_percent(rate: Number, *, language: str | None = None) -> str:
    """A rate (a VAT rate, a late-payment rate): "20 %", "5,5 %" in French and German, "20%", "5.5%" in
    English; decimals only where they are not zero."""
    number = format_decimal(rate, places=None, language=language)
    return f"{number}%" if language_of(language) == "en" else f"{number}{NBSP}%"


def format_quantity(quantity: Number, *, language: str | None = None) -> str:
    """ "1", "1,5", "2,25": no trailing zeros."""
    return format_decimal(quantity, places=None, language=language)


# One pattern per language, day first where the reader writes it so, and never the American month first.
_DATE_PATTERNS = {"fr": "{d:02d}/{m:02d}/{y}", "de": "{d:02d}.{m:02d}.{y}", "en": "{y}-{m:02d}-{d:02d}"}


def format_date(day: date, *, language: str | None = None) -> str:
    """ "15/03/2026" (fr), "15.03.2026" (de), "2026-03-15" (en).

    A moment (an aware datetime) is written as its day in the current time zone."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return _DATE_PATTERNS[language_of(language)].format(d=day.day, m=day.month, y=day.year)


# The clock a document's reader lives by: the time zone of the billing entity's country.
COUNTRY_TIME_ZONES = {"FR": "Europe/Paris", "DE": "Europe/Berlin"}


def format_datetime(
    moment: datetime, *, country: str | None = None, zone: str | None = None, language: str | None = None
) -> str:
    """ "15/03/2026 14:05" in the reader's time zone: the country's (Paris for France, Berlin for Germany;
    UTC elsewhere) as the documents do, or the `zone` named, else the current time zone of the request."""
    if country is not None:
        zone = COUNTRY_TIME_ZONES.get(country, "UTC")
    local = moment.astimezone(ZoneInfo(zone)) if zone else timezone.localtime(moment)
    return f"{format_date(local.date(), language=language)} {local:%H:%M}"


# For a text formatted later in another language (an e-mail's subject and body are rendered in the
# account's language when the outbox sends it): the value is written when the text is.
format_date_lazy = lazy(format_date, str)
format_datetime_lazy = lazy(format_datetime, str)


def format_csv_number(value: Decimal | int, *, decimal_comma: bool = False) -> str | int:
    """A number cell of a CSV file: an integer as itself, a decimal with its two places (to_cents), with a
    point for programs or a comma for a French or German spreadsheet. No thousands separator: a spreadsheet
    reads one as text."""
    if isinstance(value, int):
        return value
    text = f"{to_cents(_decimal(value)):f}"
    return text.replace(".", ",") if decimal_comma else text
