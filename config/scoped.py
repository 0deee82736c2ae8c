"""API views over the rows their caller may see, read through the app's scoped selector."""

from collections.abc import Callable

from django.db.models import QuerySet


class ScopedApi:
    # The view's rows are `visible_to(user=the caller)`: another account's row is not there, so a detail
    # of it is a 404. No docstring: the schema would show it as the description of the views that have none.

    visible_to: Callable[..., QuerySet]

    def get_queryset(self):
        return self.visible_to(user=self.request.user)
