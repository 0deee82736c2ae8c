"""The portals' lists, each declared once as its columns: the header, every row and what the page's query
reads all come from that one declaration.

A list page shows 25 rows of about twenty values each. Through the template engine every value was a node
of its own (a lookup tried as a dict key, an attribute, then a call; its filters; its escaping): two thirds
of the page's time. Here a row is one `format_html` call, which escapes every value it is given exactly as
the templates do, on the row's markup joined from the columns' cells once per language, with the labels
translated and escaped into it (as Django's admin builds its change list rows).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Column:
    # The header, and each cell's data-label (a narrow screen stacks a row's cells under their labels).
    label: "StrOrPromise"
    # The cell's markup: a format string of the values the list gives for each row, escaped when formatted.
    cell: str
    # The fields the cell shows: the list's query reads these and nothing else (`.only(...)`), not a
    # ticket's description or an assignee's password hash, 25 times a page.
    reads: tuple[str, ...] = ()
    # The class of the header and the cells ("num" aligns amounts).
    css: str = ""

    @classmethod
    def field(cls, label: "StrOrPromise", name: str, *, css: str = "") -> "Column":
        """A cell showing the row's value `name`, which the field of that name gives."""
        return cls(label, f"{{{name}}}", reads=(name,), css=css)


@dataclass(frozen=True)
class Table:
    """One page of a list, for includes/table.html."""

    head: SafeString
    rows: list[SafeString]
    width: int  # the number of columns

    @property
    def body(self) -> SafeString:
        return mark_safe("".join(self.rows))  # noqa: S308 - each row is built by format_html


class Listing:
    """A list's columns in order; `row` opens each row (a format string too, e.g. to give the row an id)."""

    def __init__(self, *columns: Column, row: str = "<tr>", reads: Iterable[str] = ()):
        self.columns = columns
        self.row = row
        # What the row tag and the cells read, each once, in order.
        self.reads = tuple(dict.fromkeys([*reads, *(name for column in columns for name in column.reads)]))
        self._compiled: dict[str | None, tuple[SafeString, str]] = {}

    def table(self, objects: Iterable[Any], values: Callable[[Any], dict[str, Any]]) -> Table:
        """Each object's row, formatted with `values(object)`: the names the row tag and the cells use."""
        head, row = self.compiled()
        return Table(head, [format_html(row, **values(obj)) for obj in objects], len(self.columns))

    def compiled(self) -> tuple[SafeString, str]:
        """The header row and the row's format string in the active language, built on its first use."""
        language = get_language()
        compiled = self._compiled.get(language)
        if compiled is None:
            compiled = self._compiled[language] = self._compile()
        return compiled

    def _compile(self) -> tuple[SafeString, str]:
        heads, cells = [], []
        for column in self.columns:
            label = conditional_escape(column.label)
            css = f' class="{column.css}"' if column.css else ""
            heads.append(f"<th{css}>{label}</th>")
            data_label = f' data-label="{_literal(label)}"' if label else ""
            cells.append(f"<td{css}{data_label}>{column.cell}</td>")
        head = mark_safe(f"<tr>{''.join(heads)}</tr>")  # noqa: S308 - the labels are escaped above
        return head, f"{self.row}{''.join(cells)}</tr>"


def _literal(text: str) -> str:
    """`text` inside a format string: its braces are characters, not fields."""
    return text.replace("{", "{{").replace("}", "}}")
