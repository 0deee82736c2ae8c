"""The app's own Redis connection (rate-limit counters, replica pins): the one of `settings.REDIS_URL`,
shared by every web node; None where there is no Redis (`make run`), and callers keep their state in the
process instead. Redis is given a quarter of a second to answer: it must never be what makes a request slow.
"""

from typing import Any

from django.conf import settings

SOCKET_TIMEOUT = 0.25
_clients: dict[str, Any] = {}


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
