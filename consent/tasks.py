"""Deadline sweep of consent (run hourly and by `enforce_deadlines`, listed in ops/sweeps.py)."""

from datetime import datetime

from consent import services


def access_requests_expire(*, now: datetime) -> int:
    """Grants past their end, and requests of ended tickets, expire."""
    return services.access_requests_expire_due(now=now)
