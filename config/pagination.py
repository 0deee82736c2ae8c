from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination

from config.replica import read_alias

INVALID_CURSOR = "Invalid cursor: use the `next` or `previous` link of a page."
# A cursor this app writes is a few dozen characters; anything much longer is not one.
CURSOR_MAX_LENGTH = 200


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
        return super().paginate_queryset(queryset.using(read_alias(request)), request, view)

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
