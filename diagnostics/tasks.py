"""Deadline sweep of diagnostics (run hourly and by `enforce_deadlines`, listed in ops/sweeps.py)."""

from datetime import datetime

from diagnostics import consent


def access_requests_expire(*, now: datetime) -> int:
    """Grants past their end, and requests of ended tickets, expire."""
    return consent.access_requests_expire_due(now=now)
