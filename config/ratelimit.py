"""Rate limits (SEC-24): fixed-window counters per user and per client IP, in Redis.

    @rate_limited("ticket_create")          # on a view class: its POST handler
    class TicketOpenView(...): ...

    @rate_limited("money")                  # on a handler: DRF's `post(self, request, ...)` or a portal's
    def post(self, request, pk): ...

`settings.RATE_LIMITS[action]` maps a scope to its limits, `[(count, seconds), ...]`: "user" (the
signed-in user's id), "ip" (the client IP as `config.security.client_ip` trusts it) or any scope the
caller names itself (`rate_limit_hit("password_reset", {"address": email})`). Each limit is one counter
per window of `seconds`, started on a multiple of it (fixed window: one INCR and one EXPIRE, atomic in a
MULTI/EXEC pipeline, one round trip for all the action's counters). Over any limit, `RateLimited` says
how long until that window ends: the API answers 429 `rate_limited` with Retry-After
(`config.exceptions`), the portals a 429 page (`RateLimitMiddleware`).

The counters live in the Redis of `settings.REDIS_URL`, shared by every web node; without one (`make run`
with no services), in this process. If Redis does not answer, the request goes through (fail open: a
limit is a brake on floods, not a reason to refuse a customer) and a warning is logged, at most once per
`config.redis_client.RETRY_AFTER_FAILURE` seconds, during which Redis is not asked again.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import RateLimited
from config.redis_client import redis_answered, redis_answering, redis_failed
from config.security import client_ip

log = logging.getLogger(__name__)


def _now() -> float:
    """The clock of the windows (tests move it instead of sleeping)."""
    return time.time()


def limits_for(action: str) -> dict[str, list[tuple[int, int]]]:
    """The action's limits per scope, with `RATE_LIMIT_MULTIPLIER` applied (0 turns every limit off)."""
    multiplier = float(getattr(settings, "RATE_LIMIT_MULTIPLIER", 1))
    if multiplier <= 0:
        return {}
    configured = settings.RATE_LIMITS.get(action)
    if configured is None:
        raise KeyError(f"No RATE_LIMITS entry for the action {action!r}.")
    return {
        scope: [(max(1, math.ceil(int(count) * multiplier)), int(seconds)) for count, seconds in limits]
        for scope, limits in configured.items()
    }


class _MemoryCounters:
    """The in-process fallback: the same fixed windows, for one process (`make run` without Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def incr(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        with self._lock:
            if len(self._counts) > 10_000:  # forget the windows that are over
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            counts = []
            for key, ttl in keys:
                count, expires = self._counts.get(key, (0, 0.0))
                if expires <= now:
                    count, expires = 0, now + ttl
                self._counts[key] = (count + 1, expires)
                counts.append(count + 1)
            return counts


_memory = _MemoryCounters()


def _incr(keys: list[tuple[str, int]], now: float) -> list[int] | None:
    """Count one more hit on each key; None when the store does not answer (the caller lets it through)."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _memory.incr(keys, now)
    client = redis_answering(url, "ratelimit")
    if client is None:
        return None
    try:
        pipe = client.pipeline(transaction=True)
        for key, ttl in keys:
            pipe.incr(key)
            pipe.expire(key, ttl)
        replies = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - whatever Redis or the network says, the request goes on
        redis_failed(url, "ratelimit")
        log.warning("rate limits not enforced: Redis does not answer (%s)", type(exc).__name__)
        return None
    redis_answered(url, "ratelimit")
    return [int(count) for count in replies[::2]]


def _digest(who: object) -> str:
    # Redis holds no e-mail address or IP in clear (SEC-26), and a key's length does not depend on input.
    return hashlib.blake2b(str(who).encode(), digest_size=12).hexdigest()


def rate_limit_hit(action: str, identities: Mapping[str, object]) -> RateLimited | None:
    """Count one hit of `action` for each identity (scope → who) that the action limits.

    Returns the `RateLimited` to raise when a limit is exceeded, None otherwise.
    """
    now = _now()
    prefix = getattr(settings, "RATE_LIMIT_KEY_PREFIX", "ratelimit:")
    keys: list[tuple[str, int]] = []
    windows: list[tuple[int, float]] = []  # (limit, end of its window), in the order of `keys`
    for scope, limits in limits_for(action).items():
        who = identities.get(scope)
        if who is None or who == "":
            continue
        for count, seconds in limits:
            window = int(now // seconds)
            keys.append((f"{prefix}{action}:{scope}:{_digest(who)}:{seconds}:{window}", seconds))
            windows.append((count, (window + 1) * seconds))
    if not keys:
        return None
    counts = _incr(keys, now)
    if counts is None:
        return None
    ends = [end for (limit, end), count in zip(windows, counts, strict=True) if count > limit]
    if not ends:
        return None
    return RateLimited(action=action, retry_after=max(1, math.ceil(max(ends) - now)))


def request_identities(request) -> dict[str, object]:
    """Who is asking: the signed-in user's id (none when anonymous) and the client IP (IPv6: its /64)."""
    user = getattr(request, "user", None)
    ip = client_ip(request)
    if ip and ":" in ip:
        # One IPv6 host usually holds a whole /64: counting single addresses would let it pick a new one
        # for every request.
        try:
            ip = str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
        except ValueError:
            pass
    identities: dict[str, object] = {"ip": ip}
    if user is not None and user.is_authenticated:
        identities["user"] = user.pk
    return identities


def rate_limit_check(action: str, request, **identities: object) -> None:
    """Count the request against `action`'s limits; raise `RateLimited` when it is one too many."""
    exceeded = rate_limit_hit(action, {**request_identities(request), **identities})
    if exceeded is not None:
        raise exceeded


def _request_of(args: tuple) -> Any:
    # A function view gets (request, ...), a method (self, request, ...); DRF's Request wraps HttpRequest.
    for arg in args[:2]:
        if isinstance(arg, HttpRequest) or isinstance(getattr(arg, "_request", None), HttpRequest):
            return arg
    raise TypeError("rate_limited: the view got no request")


def rate_limited(action: str, *, methods: tuple[str, ...] = ("post",)) -> Callable:
    """Limit a view to `settings.RATE_LIMITS[action]` per user and per client IP.

    On a handler (a function view, a portal view's or a DRF view's method), every call counts; it runs
    after the view's authentication and role checks, so the user is known and refused callers do not
    count. On a class, its `methods` (POST by default) are wrapped, those it inherits included.
    """

    def decorate(target):
        if isinstance(target, type):
            for name in methods:
                handler = getattr(target, name, None)
                if handler is not None:
                    setattr(target, name, decorate(handler))
            return target

        @functools.wraps(target)
        def wrapper(*args, **kwargs):
            rate_limit_check(action, _request_of(args))
            return target(*args, **kwargs)

        wrapper.rate_limit = action  # config.schema documents the 429
        return wrapper

    return decorate


_PORTALS = ("customer", "staff", "finance")


class RateLimitMiddleware:
    """A portal view over its limit: the 429 page of its portal, or for htmx a notice above the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        return rate_limited_page(request, exception)


def rate_limited_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    namespace = getattr(request.resolver_match, "namespace", "") or ""
    portal = namespace.split(":")[0]
    context = {
        "retry_after": exc.retry_after,
        "base_template": f"{portal}/base.html" if portal in _PORTALS else "base.html",
    }
    if getattr(request, "htmx", False):
        # htmx swaps a 429 (responseHandling in templates/base.html): the notice goes on top of the page.
        response = render(request, "includes/rate_limited_notice.html", context, status=429)
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "afterbegin"
    else:
        response = render(request, "rate_limited.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
