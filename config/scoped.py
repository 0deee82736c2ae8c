"""API views over the rows their caller may see, read through the app's scoped selector."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.serializers import valid_input


class ScopedApi:
    # The view's rows are `visible_to(user=the caller)`: another account's row is not there, so a detail
    # of it is a 404. No docstring: the schema would show it as the description of the views that have none.

    visible_to: Callable[..., QuerySet]

    def get_queryset(self):
        return self.visible_to(user=self.request.user)


class ScopedActionApi(ScopedApi, APIView):
    # POST: a use case on one row the caller may see (another account's is a 404), with what the view's
    # `Input` admits (config.schema makes it the request body; a view without one takes none, and says
    # `request=None` in its `extend_schema`). `act` calls the service, which locks the row and raises the
    # domain errors that the API's exception handler turns into the contract's statuses (config.exceptions),
    # and answers with the representation; an `extend_schema` on the view names it.
    # No docstring: the schema would show it as the description of the views that have none.

    Input: type[serializers.Serializer] | None = None

    def post(self, request, pk: int) -> Response:
        row = get_object_or_404(self.get_queryset(), pk=pk)
        values = valid_input(self.Input, request.data) if self.Input is not None else {}
        return self.act(row, by=request.user, **values)

    def act(self, row: Any, /, *, by, **values) -> Response:
        raise NotImplementedError
