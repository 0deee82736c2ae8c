"""Keyset ("seek") pagination for the portals' lists, as the API's cursor pagination does for the API.

A page is "the next 25 rows after this one in the list's order": `WHERE (due_on, id) > (d, i) ORDER BY
due_on, id LIMIT 26`, which an index answers by reading 26 entries, whatever the page. Page numbers
would need `OFFSET` (reading and skipping every earlier row) and `COUNT(*)` for "page n of m", both of which
grow with the table: at a million tickets a staff list counted and skipped its way to 0.5 s a page.

The cursor is the position of the first or last row shown (its ordering values), base64-encoded in
`?after=` or `?before=`. A cursor that does not decode is ignored: the first page is shown.
"""

import base64
import binascii
import json
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

AFTER, BEFORE = "after", "before"


class KeysetPage:
    """One page: its rows, and the query strings of the pages before and after it (None at either end)."""

    def __init__(self, object_list: list, *, next_query: str | None, previous_query: str | None):
        self.object_list = object_list
        self.next_query = next_query
        self.previous_query = previous_query

    @property
    def has_next(self) -> bool:
        return self.next_query is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_query is not None

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]


def ordering_of(queryset: QuerySet) -> list[tuple[str, bool]]:
    """The list's order as (field, descending) pairs, ending with the primary key so that it is total."""
    names = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    ordering = []
    for name in names:
        if not isinstance(name, str) or "__" in name or name.startswith("?"):
            raise ValueError(f"keyset pagination needs plain field names to order by, not {name!r}")
        descending = name.startswith("-")
        field = name.lstrip("-")
        ordering.append(("id" if field == "pk" else field, descending))
    if not ordering or ordering[-1][0] != "id":
        ordering.append(("id", ordering[-1][1] if ordering else True))
    return ordering


def beyond(ordering: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after `values` in `ordering`. Written `a >= x AND (a > x OR <rest>)` rather than
    `a > x OR (a = x AND <rest>)` so that the first column bounds the index scan."""
    (field, descending), *rest = ordering
    value, *rest_values = values
    strictly = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
    if not rest:
        return strictly
    return Q(**{f"{field}__{'lte' if descending else 'gte'}": value}) & (strictly | beyond(rest, rest_values))


def json_value(value):
    # Full precision: DjangoJSONEncoder cuts datetimes to milliseconds, and a cursor a few microseconds
    # early or late would skip or repeat rows.
    if isinstance(value, date | datetime):
        return value.isoformat()
    return DjangoJSONEncoder().default(value)


def _encode(row, ordering) -> str:
    values = [getattr(row, field) for field, _descending in ordering]
    raw = json.dumps(values, default=json_value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None, ordering) -> list | None:
    if not cursor or len(cursor) > 500:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != len(ordering) or any(v is None for v in values):
        return None
    if not all(isinstance(v, int | str) and not isinstance(v, bool) for v in values):
        return None
    return values


def _query(request, **cursor) -> str:
    query = request.GET.copy()
    for key in (AFTER, BEFORE, "page"):
        query.pop(key, None)
    query.update(cursor)
    return query.urlencode()


def keyset_page(request, queryset: QuerySet, *, per_page: int) -> KeysetPage:
    """The page of `queryset` that the request's cursor points at (the first page without one)."""
    ordering = ordering_of(queryset)
    forward = [f"{'-' if descending else ''}{field}" for field, descending in ordering]
    backward = [f"{'' if descending else '-'}{field}" for field, descending in ordering]
    after = _decode(request.GET.get(AFTER), ordering)
    before = None if after is not None else _decode(request.GET.get(BEFORE), ordering)
    try:
        if before is not None:
            reversed_ordering = [(field, not descending) for field, descending in ordering]
            rows = list(
                queryset.filter(beyond(reversed_ordering, before)).order_by(*backward)[: per_page + 1]
            )
            more_before = len(rows) > per_page
            rows = rows[:per_page][::-1]
            more_after = True
        else:
            if after is not None:
                queryset = queryset.filter(beyond(ordering, after))
            rows = list(queryset.order_by(*forward)[: per_page + 1])
            more_after = len(rows) > per_page
            rows = rows[:per_page]
            more_before = after is not None
    except Exception as exc:  # a well-formed cursor with a value of the wrong type (a date that is not one)
        from django.core.exceptions import ValidationError

        if not isinstance(exc, ValidationError | ValueError | TypeError):
            raise
        return keyset_page(_without_cursor(request), queryset, per_page=per_page)
    if not rows:
        # Past the end (rows deleted since): show the first page rather than an empty one.
        return (
            keyset_page(_without_cursor(request), queryset, per_page=per_page)
            if (after or before)
            else KeysetPage([], next_query=None, previous_query=None)
        )
    return KeysetPage(
        rows,
        next_query=_query(request, **{AFTER: _encode(rows[-1], ordering)}) if more_after else None,
        previous_query=_query(request, **{BEFORE: _encode(rows[0], ordering)}) if more_before else None,
    )


def _without_cursor(request):
    """The same request with no cursor (a copy: the view's request is left as it is)."""
    import copy

    clone = copy.copy(request)
    clone.GET = request.GET.copy()
    for key in (AFTER, BEFORE):
        clone.GET.pop(key, None)
    return clone
