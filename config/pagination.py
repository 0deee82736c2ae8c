import base64
import binascii
import json

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

from config import keyset
from config.replica import read_alias

INVALID_CURSOR = "Invalid cursor: use the `next` or `previous` link of a page."
# A cursor this app writes is a few dozen characters; anything much longer is not one.
CURSOR_MAX_LENGTH = 200


def page_then_rows(view, queryset, paginate) -> list:
    """`paginate(queryset)`, and for a view that sets `page_before_joins`, the page found without the joins
    its rows need, and then only its rows read with them (one query more).

    A search over a list that starts far into the table (the queue, oldest first) let PostgreSQL join the
    page to a one-to-one relation by a merge join, which walks that relation's index from its start: 80,000
    quotes read for a page of 26 at a million tickets (docs/performance.md). Found alone, the page is an
    index walk over the tickets; its rows, read by their ids, join by their ids.
    """
    if not getattr(view, "page_before_joins", False) or not queryset.query.select_related:
        return paginate(queryset)
    # The page query reads only what places a row (its id and the columns the list is ordered by: the
    # cursor is made of them); the rows query reads the rest. A whole ticket row, text and a dozen
    # timestamps, was parsed twice for every row shown.
    placing = {"pk", *(_ordering_column(queryset.model, name) for name in queryset.query.order_by)}
    page = paginate(queryset.select_related(None).prefetch_related(None).only(*placing - {None}))
    if not page:
        return page
    rows = {row.pk: row for row in queryset.filter(pk__in=[row.pk for row in page]).order_by()}
    return [rows[row.pk] for row in page if row.pk in rows]


def _ordering_column(model, ordering: object) -> str | None:
    """The model's field that an `order_by` entry names, or None for an expression or an annotation."""
    if not isinstance(ordering, str):
        return None
    name = ordering.lstrip("-")
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) and a constant cost per page, however deep.

    A cursor is opaque to clients but readable to anyone who decodes it: a tampered one (bad base64,
    a position that is not a value of the ordering field, a number beyond the column's range) is
    invalid input, a 400 on `cursor`, before it reaches the query (DRF filtered on the raw position: a
    500 when it was not a number).
    """

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_cursor_message = INVALID_CURSOR

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        # Every API list page is a heavy read: on the replica when there is one (config/replica.py).
        queryset = queryset.using(read_alias(request))
        drf_page = super().paginate_queryset
        self.page = page_then_rows(view, queryset, lambda rows: drf_page(rows, request, view))
        return self.page

    def decode_cursor(self, request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and len(encoded) > CURSOR_MAX_LENGTH:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                cursor = cursor._replace(position=self._position(cursor.position))
        except (NotFound, DjangoValidationError, ValueError, TypeError, OverflowError):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        return cursor

    def _position(self, position: object):
        """The position as a value of the field the list is ordered by, within its column's range."""
        name = self.ordering[0].lstrip("-")
        try:
            field = self._model._meta.get_field("id" if name == "pk" else name)
        except FieldDoesNotExist:
            return position  # an annotation: the database compares it as it stands
        value = field.to_python(position)
        if value is None or "\x00" in str(value):
            raise ValueError("not a position")
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = connection.ops.integer_field_ranges.get(field.get_internal_type(), (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError("out of range")
        return value


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    ordering = "id"


class KeysetCursorPagination(NewestFirstCursorPagination):
    """Cursor pages in the queryset's own order over several columns, e.g. (due time, id): DRF's cursor
    holds the first column's value and an offset among equal values, which it cuts off at 1,000 (a list
    where many rows share a value repeats rows past that); here the cursor is the whole position of the
    last (or first) row shown, and a page is `WHERE (a, id) > (x, i) ORDER BY a, id LIMIT n+1`
    (config/keyset.py). The same `cursor` parameter and the same 400 on a tampered one."""

    def paginate_queryset(self, queryset, request, view=None):
        return page_then_rows(view, queryset, lambda rows: self._keyset_page(rows, request))

    def _keyset_page(self, queryset, request):
        self.base_url = self._url = request.build_absolute_uri()
        self.request = request
        self.page_size = self.get_page_size(request)
        self.ordering_fields = keyset.ordering_of(queryset)
        forward = [f"{'-' if descending else ''}{field}" for field, descending in self.ordering_fields]
        backward = [f"{'' if descending else '-'}{field}" for field, descending in self.ordering_fields]
        direction, values = self._decoded(request, queryset.model)
        size = self.page_size
        if direction == keyset.BEFORE:
            reversed_ordering = [(field, not descending) for field, descending in self.ordering_fields]
            rows = list(
                queryset.filter(keyset.beyond(reversed_ordering, values)).order_by(*backward)[: size + 1]
            )
            more_before, more_after = len(rows) > size, True
            rows = rows[:size][::-1]
        else:
            if direction == keyset.AFTER:
                queryset = queryset.filter(keyset.beyond(self.ordering_fields, values))
            rows = list(queryset.order_by(*forward)[: size + 1])
            more_after, more_before = len(rows) > size, direction == keyset.AFTER
            rows = rows[:size]
        self._next = self._link(keyset.AFTER, rows[-1]) if rows and more_after else None
        self._previous = self._link(keyset.BEFORE, rows[0]) if rows and more_before else None
        return rows

    def get_next_link(self):
        return self._next

    def get_previous_link(self):
        return self._previous

    def _link(self, direction: str, row) -> str:
        values = [getattr(row, field) for field, _descending in self.ordering_fields]
        raw = json.dumps([direction, *values], default=keyset.json_value, separators=(",", ":")).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return replace_query_param(self._url, self.cursor_query_param, cursor)

    def _decoded(self, request, model) -> tuple[str | None, list]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, []
        try:
            if len(encoded) > CURSOR_MAX_LENGTH:
                raise ValueError("too long")
            decoded = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            if not isinstance(decoded, list) or len(decoded) != len(self.ordering_fields) + 1:
                raise ValueError("not a position")
            direction, *raw = decoded
            if direction not in (keyset.AFTER, keyset.BEFORE):
                raise ValueError("no direction")
            values = [
                self._value(model, field, value)
                for (field, _d), value in zip(self.ordering_fields, raw, strict=True)
            ]
        except (DjangoValidationError, ValueError, TypeError, OverflowError, binascii.Error):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        return direction, values

    @staticmethod
    def _value(model, name: str, value: object):
        """A position's value as its column holds it, within the column's range."""
        if not isinstance(value, int | str) or isinstance(value, bool) or "\x00" in str(value):
            raise ValueError("not a value")
        field = model._meta.get_field(name)
        value = field.to_python(value)
        if value is None:
            raise ValueError("not a value")
        if isinstance(value, int):
            low, high = connection.ops.integer_field_ranges.get(field.get_internal_type(), (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError("out of range")
        return value
