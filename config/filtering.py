"""API lists filtered by their query string: the filter is checked once and documented once."""

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import generics, serializers

from config.scoped import ScopedApi


class FilteredListApi(ScopedApi, generics.ListAPIView):
    # `query_filter` checks the query string (a bad value is a 400 that names it) and is the list's
    # documented parameters (config.schema.AutoSchema); `filtered(filters)` is the list for its values:
    # by default, the rows the caller may see (config.scoped) that `filter_rows` keeps.
    # No docstring: the schema would show it as the description of every list without one of its own.

    query_filter: type[serializers.Serializer]
    filter_rows: Callable[[QuerySet, dict], QuerySet]

    def filtered(self, filters: dict) -> QuerySet:
        return self.filter_rows(super().get_queryset(), filters)

    def get_queryset(self):
        filters = self.query_filter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return self.filtered(filters.validated_data)
