from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) and a constant cost per page, however deep."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    ordering = "id"
