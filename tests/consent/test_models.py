"""The access request's state machine: which answer is legal in which state (REL-04)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from consent.models import AccessRequest

State = AccessRequest.State
NOW = timezone.now()

# (state, expires_at, transition, allowed)
TABLE = [
    (State.PENDING, None, "grant", True),
    (State.PENDING, None, "deny", True),
    (State.PENDING, None, "revoke", False),
    (State.PENDING, None, "expire", True),
    (State.GRANTED, NOW + timedelta(hours=1), "grant", False),
    (State.GRANTED, NOW + timedelta(hours=1), "deny", False),
    (State.GRANTED, NOW + timedelta(hours=1), "revoke", True),
    (State.GRANTED, NOW - timedelta(seconds=1), "revoke", False),  # it ran out: nothing left to revoke
    (State.GRANTED, NOW + timedelta(hours=1), "expire", True),
    *[
        (state, None, name, False)
        for state in (State.DENIED, State.REVOKED, State.EXPIRED)
        for name in ("grant", "deny", "revoke", "expire")
    ],
]


@pytest.mark.parametrize(("state", "expires_at", "name", "allowed"), TABLE)
def test_transition_table(state, expires_at, name, allowed):
    request = AccessRequest(status=state, expires_at=expires_at, duration_hours=4)
    assert can_proceed(getattr(request, name)) is allowed


def test_the_state_cannot_be_set_directly():
    request = AccessRequest(status=State.PENDING, duration_hours=4)
    with pytest.raises(AttributeError):
        request.status = State.GRANTED


def test_a_grant_runs_for_its_hours_from_the_moment_of_grant():
    request = AccessRequest(status=State.PENDING, duration_hours=7)
    request.grant(by=None, at=NOW)
    assert (request.status, request.decided_at, request.expires_at) == (
        State.GRANTED,
        NOW,
        NOW + timedelta(hours=7),
    )


@pytest.mark.parametrize(
    ("state", "expires_at", "ticket_status", "shown"),
    [
        (State.GRANTED, NOW + timedelta(minutes=1), "diagnosing", State.GRANTED),
        (State.GRANTED, NOW, "diagnosing", State.EXPIRED),
        (State.GRANTED, NOW + timedelta(hours=1), "resolved", State.EXPIRED),
        (State.PENDING, None, "cancelled", State.EXPIRED),
        (State.PENDING, None, "open", State.PENDING),
        (State.REVOKED, NOW + timedelta(hours=1), "closed", State.REVOKED),
    ],
)
def test_the_status_shown_does_not_wait_for_the_sweep(state, expires_at, ticket_status, shown):
    request = AccessRequest(status=state, expires_at=expires_at, duration_hours=4)
    assert request.status_at(now=NOW, ticket_status=ticket_status) == shown
