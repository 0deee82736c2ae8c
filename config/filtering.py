"""API lists filtered by their query string: the filter is checked once, documented once and applied one way."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from django.db.models import Model, QuerySet
from rest_framework import generics, serializers

from config.scoped import ScopedApi

M = TypeVar("M", bound=Model)

# The filters the lists of an account's rows share: their status, and `customer`, the account's id.
STATUS_AND_ACCOUNT = {"status": "status", "customer": "customer_id"}


def filter_by(queryset: QuerySet[M], filters: dict, lookups: Mapping[str, str]) -> QuerySet[M]:
    """`queryset` narrowed by each filter of `lookups` (a filter's name: the lookup it applies) that `filters`
    gives a value; an empty value is no filter."""
    for name, lookup in lookups.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    return queryset


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
