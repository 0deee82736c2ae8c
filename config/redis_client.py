"""The app's own Redis connection (rate-limit counters, replica pins): the one of `settings.REDIS_URL`,
shared by every web node; None where there is no Redis (`make run`), and callers keep their state in the
process instead. Redis is given a quarter of a second to answer: it must never be what makes a request slow,
and once it has not answered, callers leave it alone for `RETRY_AFTER_FAILURE` seconds (`redis_answering`).
"""

import time
from typing import Any

from django.conf import settings

SOCKET_TIMEOUT = 0.25
RETRY_AFTER_FAILURE = 5.0
_clients: dict[str, Any] = {}
# (Redis URL, what for) → when (time.monotonic) it last failed to answer: each user of Redis notices (and
# logs) an outage itself.
_failed_at: dict[tuple[str, str], float] = {}


def redis_client(url: str | None = None):
    url = url if url is not None else getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=SOCKET_TIMEOUT, socket_timeout=SOCKET_TIMEOUT
        )
    return client


def redis_answering(url: str, purpose: str):
    """The client of `url`, or None while it failed to answer `purpose` less than `RETRY_AFTER_FAILURE`
    seconds ago: meanwhile the caller does without, rather than make every request wait for the timeout."""
    failed_at = _failed_at.get((url, purpose))
    if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_FAILURE:
        return None
    return redis_client(url)


def redis_failed(url: str, purpose: str) -> None:
    """`url` did not answer: `redis_answering` gives no client for it, for `purpose`, for a while."""
    _failed_at[(url, purpose)] = time.monotonic()


def redis_answered(url: str, purpose: str) -> None:
    _failed_at.pop((url, purpose), None)
