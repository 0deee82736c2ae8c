"""Deadline sweep of quotes (run hourly and by `enforce_deadlines`)."""

from datetime import datetime

from django.utils import timezone
from django_fsm import TransitionNotAllowed

from quotes.services import quote_expire, quotes_past_validity


def quotes_expire_past_validity(*, now: datetime) -> int:
    """Expire every quote still sent after its last valid day, as a person would (the fee is billed)."""
    expired = 0
    for quote in quotes_past_validity(today=timezone.localdate(now)).order_by("id"):
        try:
            quote_expire(quote=quote)
        except TransitionNotAllowed:
            continue  # accepted or declined a moment ago, or expired by a run racing this one
        expired += 1
    return expired
