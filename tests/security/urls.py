"""The API's endpoints as the URL resolver knows them: new endpoints are tested without being listed."""

import json
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Called without credentials: the token endpoint, and the provider incidents of the status page.
PUBLIC_ROUTES = ("api/v1/auth/token/", "api/v1/status/incidents/")


@dataclass(frozen=True)
class Endpoint:
    route: str  # "api/v1/tickets/<int:pk>/cancel/"
    method: str  # "POST"
    view: type

    @property
    def has_object(self) -> bool:
        return "<" in self.route

    def path(self, value) -> str:
        """The URL with the route's one parameter replaced by `value`."""
        if not self.has_object:
            return "/" + self.route
        head, _, rest = self.route.partition("<")
        return "/" + head + str(value) + rest.partition(">")[2]

    def __str__(self):
        return f"{self.method} /{self.route}"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_endpoints(*, include_public: bool = False) -> list[Endpoint]:
    endpoints = []
    for route, callback in _walk(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if not route.startswith("api/v1/") or view is None:
            continue
        public = route in PUBLIC_ROUTES
        if public and not include_public:
            continue
        for method in HTTP_METHODS:
            if hasattr(view, method):
                endpoints.append(Endpoint(route, method.upper(), view))
    return endpoints


def staff_schema() -> dict:
    """The OpenAPI document /api/v1/schema/ serves to staff (all of it), as the JSON a client parses."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))
