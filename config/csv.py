"""CSV downloads: a header and rows, streamed, every cell made safe to open in a spreadsheet."""

import csv
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

# A spreadsheet runs a cell that starts with one of these as a formula (a tab or a carriage return is
# skipped first): OWASP's CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The cell of `value`: a number as itself (a negative one is no formula), a date in ISO 8601, and any
    text that would start a formula as plain text (a leading quote)."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file for csv.writer that hands each written line back, to be streamed."""

    def write(self, line: str) -> str:
        return line


def csv_response(
    header: Sequence[str], rows: Iterable[Iterable[Any]], *, filename: str
) -> StreamingHttpResponse:
    """`header`, then each row, as a CSV download streamed line by line: any number of rows in constant
    memory (give the rows as an iterator over the query, e.g. `.iterator(chunk_size=1000)`)."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

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
