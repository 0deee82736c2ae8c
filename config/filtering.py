"""API lists filtered by their query string: the filter is checked once and documented once."""

from django.db.models import QuerySet
from rest_framework import generics, serializers


class FilteredListApi(generics.ListAPIView):
    # `query_filter` checks the query string (a bad value is a 400 that names it) and is the list's
    # documented parameters (config.schema.AutoSchema); `filtered(filters)` is the list for its values.
    # No docstring: the schema would show it as the description of every list without one of its own.

    query_filter: type[serializers.Serializer]

    def filtered(self, filters: dict) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        filters = self.query_filter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return self.filtered(filters.validated_data)
