"""CSV downloads: a header and rows, streamed, every cell made safe to open in a spreadsheet.

By default a file for programs: comma-separated, decimal points, the columns' names as header (the API's
contract: this output never changes). Asked for (`CsvFormat`, from the query string), a file for a French or
German spreadsheet: semicolons, decimal commas, the header in the reader's language.
"""

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from config.formatting import format_csv_number

# A spreadsheet runs a cell that starts with one of these as a formula (a tab or a carriage return is
# skipped first): OWASP's CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written: its separator, its decimal mark, and whether its header is translated."""

    delimiter: str = ","
    decimal_comma: bool = False
    labels: bool = False


# What programs read (and the API's default); what a French or German spreadsheet opens as columns.
MACHINE = CsvFormat()
SPREADSHEET_EU = CsvFormat(delimiter=";", decimal_comma=True, labels=True)


class CsvFormatInput(serializers.Serializer):
    """The query parameters that choose a CSV's format; each defaults to today's output."""

    sep = serializers.ChoiceField(
        choices=["comma", "semicolon"],
        required=False,
        default="comma",
        help_text="The column separator: semicolon for spreadsheets set to French or German.",
    )
    decimal = serializers.ChoiceField(
        choices=["point", "comma"],
        required=False,
        default="point",
        help_text="The decimal mark of amounts and rates.",
    )
    header = serializers.ChoiceField(
        choices=["names", "labels"],
        required=False,
        default="names",
        help_text="The columns' names, or their labels in the language of the request.",
    )


def csv_format_from(params: Mapping[str, Any], *, default: CsvFormat = MACHINE) -> CsvFormat:
    """The format a query string asks for; what it leaves out stays `default`'s. An unknown value is ignored
    by the portals (they pass their own links) and a 400 in the API (which checks CsvFormatInput first)."""
    sep = {"comma": ",", "semicolon": ";"}.get(params.get("sep", ""), default.delimiter)
    decimal = {"point": False, "comma": True}.get(params.get("decimal", ""), default.decimal_comma)
    labels = {"names": False, "labels": True}.get(params.get("header", ""), default.labels)
    return CsvFormat(delimiter=sep, decimal_comma=decimal, labels=labels)


def csv_cell(value: Any, *, decimal_comma: bool = False) -> Any:
    """The cell of `value`: a number as itself (a negative one is no formula), a decimal with its two places
    and a decimal comma if asked (config.formatting), a date in ISO 8601, and any text that would start a
    formula as plain text (a leading quote)."""
    if value is None:
        return ""
    if isinstance(value, float):
        raise TypeError(f"a float is no amount: {value!r} (give a Decimal)")
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_csv_number(value, decimal_comma=decimal_comma)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file for csv.writer that hands each written line back, to be streamed."""

    def write(self, line: str) -> str:
        return line


def csv_response(
    header: Sequence[str],
    rows: Iterable[Iterable[Any]],
    *,
    filename: str,
    fmt: CsvFormat = MACHINE,
    labels: Mapping[str, Any] | None = None,
) -> StreamingHttpResponse:
    """`header`, then each row, as a CSV download streamed line by line: any number of rows in constant
    memory (give the rows as an iterator over the query, e.g. `.iterator(chunk_size=1000)`).

    `fmt` chooses the separator, the decimal mark and whether the header shows `labels` (a column's name to
    its translatable label; a column without one keeps its name) in the active language.
    """
    writer = csv.writer(_Echo(), delimiter=fmt.delimiter)
    shown = [str(labels.get(name, name)) for name in header] if fmt.labels and labels else list(header)

    def lines():
        yield writer.writerow([csv_cell(name) for name in shown])
        for row in rows:
            yield writer.writerow([csv_cell(value, decimal_comma=fmt.decimal_comma) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CsvRenderer(BaseRenderer):
    """Lets an API client ask for text/csv. The rows bypass it (csv_response streams them), so it only
    ever renders an error, as the JSON text every other error is."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode()
