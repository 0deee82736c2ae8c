"""Each view declares its URL beside it, once; an app's URL table is the list of its views' routes.

`@route("tickets/<int:pk>/cancel/", name="cancel")` on a view class records the route; `routes(module)`
gives the `path()`s of the views a module declares, in the order they are written. The portal or API
prefix (`/customer/`, `/api/v1/`) and the URL namespace come from where the table is included.
"""

from collections import defaultdict
from types import ModuleType

from django.urls import URLPattern, path

_declared: dict[str, list[URLPattern]] = defaultdict(list)


def route(pattern: str, *, name: str):
    """Declare the view class's URL under its portal (or under the API root) and its URL name."""

    def declare(view_class):
        _declared[view_class.__module__].append(path(pattern, view_class.as_view(), name=name))
        return view_class

    return declare


def routes(*modules: ModuleType) -> list[URLPattern]:
    """The routes declared by the view classes of these modules."""
    return [pattern for module in modules for pattern in _declared[module.__name__]]
