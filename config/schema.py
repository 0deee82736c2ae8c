"""OpenAPI generation: view-scoped component names, and the contract's error answers on every operation.

The contract (docs/api/v1.md, "Errors") promises one body shape per error status; the schema must
say so for every operation, or a client (and schemathesis) cannot tell a documented 404 from a bug.
"""

import copy

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Printable ASCII, no spaces: what Stripe accepts, and what survives every proxy and log line intact.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"


class ErrorDetail(serializers.Serializer):
    """401, 404, 405, 429: what went wrong, in words."""

    detail = serializers.CharField()


class AutoSchema(BaseAutoSchema):
    """Names nested serializers after their view (`TicketCloseApi.Input` → `TicketCloseInput`).

    Each view declares its input as a nested `Input` class; without this they would all collide.
    """

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." in qualname:
            return qualname.replace("Api.", "").replace(".", "")
        return super().get_serializer_name(serializer, direction)

    def get_request_serializer(self):
        # The view's nested `Input` is its request body, unless the method's `extend_schema` names another.
        return getattr(self.view, "Input", None) or super().get_request_serializer()

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        handler = getattr(self.view, self.method.lower(), None)
        if operation is not None and getattr(handler, "rate_limit", None):  # config.ratelimit.rate_limited
            operation.setdefault("responses", {})["429"] = copy.deepcopy(RATE_LIMITED_RESPONSE)
        return operation

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        query_filter = getattr(self.view, "query_filter", None)  # config.filtering.FilteredListApi
        if query_filter is not None and self.method == "GET" and query_filter not in parameters:
            parameters.append(query_filter)
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "idempotent", False):
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN},
                    OpenApiParameter.HEADER,
                    description="Makes a retry safe: a repeated request with the same key (per user) returns "
                    "the first answer, status and body, for at least 24 hours, without acting "
                    "again. The same key with other parameters is a 422.",
                )
            )
        return parameters


def _coded_error(*codes: str) -> dict:
    """An error body whose `code` says which of `codes` it is, and `detail` in words."""
    return {
        "type": "object",
        "properties": {"code": {"type": "string", "enum": list(codes)}, "detail": {"type": "string"}},
        "required": ["code", "detail"],
    }


# POST /auth/token/ for an account that must give a second factor (accounts.mfa).
MFA_ERROR = _coded_error("mfa_required", "mfa_enrolment_required")

_ERROR_COMPONENTS = {
    "FieldErrors": {
        "type": "object",
        "description": 'Invalid input: DRF\'s field errors, `{"field": ["message", ...]}` (nested for nested '
        "input); `non_field_errors` for errors of the whole body.",
        "additionalProperties": {},
    },
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "PermissionError": _coded_error(
        "permission_denied", "support_banned", "consent_required", "mfa_required"
    ),
    "ConflictError": _coded_error("invalid_transition"),
    "IdempotencyError": _coded_error("idempotency_key_reused"),
    "RateLimitError": _coded_error("rate_limited"),
}

# Only on the operations that `config.ratelimit.rate_limited` guards (AutoSchema.get_operation).
RATE_LIMITED_RESPONSE = {
    "description": "Too many requests of this kind from this user or this client IP (settings.RATE_LIMITS); "
    "nothing was done. Retry after the number of seconds in Retry-After.",
    "headers": {
        "Retry-After": {
            "description": "Seconds until the exceeded limit's window ends.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RateLimitError"}}},
}

_ERRORS = {
    "400": ("Invalid input.", "FieldErrors"),
    "401": ("No or bad credentials.", "ErrorDetail"),
    "403": (
        "The caller may not do this (role, support ban, missing consent, or a staff session or token without "
        "a second factor: `mfa_required`).",
        "PermissionError",
    ),
    "404": ("No such object, or one the caller may not see.", "ErrorDetail"),
    "409": (
        "Not allowed in the object's current state, including the loser of two simultaneous actions.",
        "ConflictError",
    ),
    "422": ("This Idempotency-Key was first used with other parameters.", "IdempotencyError"),
}


def _error_response(status: str) -> dict:
    description, component = _ERRORS[status]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the contract's 400, 401, 403, 404 and 409 bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _ERROR_COMPONENTS.items():
        schemas.setdefault(name, schema)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            # An operation open to anonymous callers lists an empty requirement.
            anonymous = {} in operation.get("security", [{}])
            statuses = ["400", "404"]
            if not anonymous:
                statuses += ["401", "403"]
            if method != "get":
                statuses.append("409")
            if any(
                p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER
                for p in operation.get("parameters", [])
            ):
                statuses.append("422")
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, _error_response(status))
    return result
