"""One exception handler that gives every API endpoint the error shapes of the contract."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from config.errors import CodedPermissionDenied, RateLimited


def api_exception_handler(exc, context):
    response = _error_response(exc, context)
    if response is not None and context.get("request") is not None:
        # Errors are JSON whatever the client asked for (?format=csv, Accept: application/pdf): the
        # contract's error bodies are JSON, and a CSV or PDF renderer has no business rendering one.
        context["request"].accepted_renderer = JSONRenderer()
        context["request"].accepted_media_type = JSONRenderer.media_type
    return response


def _error_response(exc, context):
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            {"code": "invalid_transition", "detail": str(exc) or "Not allowed in the current state."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RateLimited):
        return Response(
            {"code": exc.code, "detail": f"Too many requests: try again in {exc.retry_after} seconds."},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, CodedPermissionDenied):
        return Response({"code": exc.code, "detail": exc.detail}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ParseError):
        # Malformed JSON is invalid input like any other: the contract's field-error shape.
        return Response({"non_field_errors": [str(exc.detail)]}, status=status.HTTP_400_BAD_REQUEST)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.PermissionDenied):
        # A subclass names its own case (accounts.authentication.MfaRequired: `mfa_required`).
        response.data = {"code": exc.default_code, "detail": str(exc.detail)}
    return response
