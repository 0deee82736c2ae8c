"""`Idempotency-Key` for the money actions (REL-01, REL-02), as a decorator on a DRF handler.

    class QuoteAcceptApi(QuoteActionApi):
        post = idempotent(QuoteActionApi.post)

With the header, the first answer (status and body) is stored per user and key, in the transaction of
the action itself, and a repeat returns it without acting again. A concurrent repeat waits on the
key's row (PostgreSQL makes the second INSERT of a unique key wait for the first transaction), then
replays; a failed first attempt (an exception, so a rollback) leaves no trace and may be retried.
The same key with another method, path or body is a 422. Keys are forgotten after
IDEMPOTENCY_KEY_TTL (24 hours) and purged by `idempotency_records_purge`.
"""

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.models import IdempotencyRecord
from config.schema import IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN

REPLAYED_HEADER = "Idempotent-Replayed"


def key_ttl() -> timedelta:
    return getattr(settings, "IDEMPOTENCY_KEY_TTL", timedelta(hours=24))


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    return Response(json.loads(record.body), status=record.status_code, headers={REPLAYED_HEADER: "true"})


def idempotent(handler):
    """Make a DRF view handler (`post(self, request, ...)`) honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
            raise serializers.ValidationError(
                {IDEMPOTENCY_HEADER: ["1 to 255 printable ASCII characters, without spaces."]}
            )
        fingerprint = _fingerprint(request)  # parses the body first: malformed JSON is a 400, no row
        with transaction.atomic():
            # status_code 0 marks "being answered"; nobody else ever sees it, it commits with the answer.
            IdempotencyRecord.objects.bulk_create(
                [
                    IdempotencyRecord(
                        user=request.user, key=key, fingerprint=fingerprint, status_code=0, body=""
                    )
                ],
                ignore_conflicts=True,
            )
            record = IdempotencyRecord.objects.select_for_update().get(user=request.user, key=key)
            if record.status_code and record.created_at >= timezone.now() - key_ttl():
                if record.fingerprint != fingerprint:
                    return Response(
                        {
                            "code": "idempotency_key_reused",
                            "detail": "This Idempotency-Key was first used with other parameters.",
                        },
                        status=422,
                    )
                return _replay(record)
            response = handler(view, request, *args, **kwargs)
            record.fingerprint = fingerprint
            record.status_code = response.status_code
            record.body = JSONRenderer().render(response.data).decode() or "null"  # a body-less answer too
            record.created_at = timezone.now()
            record.save(update_fields=["fingerprint", "status_code", "body", "created_at"])
            return response

    wrapper.idempotent = True  # config.schema documents the header and the 422
    return wrapper


def idempotency_records_purge(*, now=None) -> int:
    """Forget keys older than the TTL: a retry after that acts again, as the header's description says."""
    cutoff = (now or timezone.now()) - key_ttl()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
