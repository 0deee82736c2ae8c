"""No input, however malformed, yields a 500 (the contract), and a refused request changes nothing.

Every API endpoint (from the URL resolver) is called by a role the contract lets through, on an object
in the state its action needs, with: each field of a valid body replaced by garbage in turn (NUL
characters, megabyte strings, numbers beyond any column, impossible dates, wrong shapes); whole bodies
that are not a JSON object (deep nesting, invalid UTF-8, scalars, 3 MB); garbage query strings; and
ids and path values no column can hold.
"""

import json

import pytest
from rest_framework.test import APIClient

from tests.counts import report
from tests.security.snapshot import database_fingerprint
from tests.security.test_access_matrix import ADMIN, AGENT, BODIES, CONTRACT, CUSTOMER, FINANCE, Victim
from tests.security.urls import api_endpoints

# Limits raised: a 429 is a 4xx too, and would hide what a probe past the limit gets.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("raised_rate_limits")]

MEGABYTE = "x" * 1_000_000
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = 10**30

STRING_GARBAGE = ["\x00", "Rapport\x00 final", MEGABYTE, {"nested": ["object"]}, ["a", "list"], None]
NUMBER_GARBAGE = [HUGE, -HUGE, "1e400", "-1e400", "NaN", "Infinity", "0.000000001", str(HUGE), "1\x00"]
DATE_GARBAGE = ["2026-02-30", "2026-13-01", "0000-01-01", "99999-12-31", "\x00", 20260101]
BODY_GARBAGE = [DEEP.encode(), b"\xff\xfe\x00garbage", b"[]", b"null", b"42", b'"text"', b"{" * 3_000_000]
QUERY_GARBAGE = (
    "status=%00&customer=99999999999999999999999999&page_size=100000000000000000000"
    "&cursor=%00garbage&kind=%00&ticket=-1&outcome=" + "x" * 5000 + "&country=%00&assignee=1e400"
    "&suspected_provider_fault=maybe&scope=%00&q=%00"
)
# The search text (`q` of the ticket lists, tickets/search.py) alone, so that no other bad value answers
# first: a megabyte, NUL characters, the full-text parser's own syntax, characters of every plane.
SEARCH_GARBAGE = [
    "q=" + "x" * 1_000_000,
    "q=%00",
    "q=serveur%00",
    "q=!(%3A*%26|%3C-%3E'%5C",
    "q=%F0%9F%92%A9%E4%B8%AD%CC%81",
    "q=%23" + "9" * 40,
    "q=FR-2026-" + "9" * 40,
    "q=%FF%FE",
]


def garbage_for(field: str, valid):
    if field.endswith("_on") or field.endswith("_at"):
        return DATE_GARBAGE
    if isinstance(valid, int | float) or (isinstance(valid, str) and valid.replace(".", "").isdigit()):
        return NUMBER_GARBAGE
    if isinstance(valid, list):
        return [[MEGABYTE], ["\x00"], list(range(100_000)), "not a list", [[[[]]]]]
    return STRING_GARBAGE


def role_for(endpoint) -> str | None:
    allowed = CONTRACT.get(str(endpoint))
    if allowed is None:
        return None
    return next(role for role in (ADMIN, FINANCE, AGENT, CUSTOMER) if role in allowed)


@pytest.fixture
def world(agent, finance, admin_user):
    victim = Victim(agent)
    users = {ADMIN: admin_user, FINANCE: finance, AGENT: agent, CUSTOMER: victim.user}
    return victim, users


def send(user, method, path, body: bytes | None):
    client = APIClient(REMOTE_ADDR="198.51.100.77")
    if user is not None:
        client.force_authenticate(user=user)
    return client.generic(method, path, body or b"", content_type="application/json")


class Probes:
    """Sends the probes and lists every one that broke the contract, so that one run shows them all."""

    def __init__(self):
        self.sent = 0
        self.failures: list[str] = []

    def refused_unchanged(self, label: str, user, method: str, path: str, body: bytes | None = None):
        """The request must be refused with a 4xx and leave the database as it was."""
        before = database_fingerprint()
        response = self._send(user, method, path, body)
        if not 400 <= response.status_code < 500:
            self.failures.append(f"{label}: {response.status_code} {response.content[:150]}")
        elif database_fingerprint() != before:
            self.failures.append(f"{label}: refused but changed the database")

    def no_server_error(self, label: str, user, method: str, path: str):
        """A GET may answer anything but a 5xx: garbage in a query string may simply be ignored."""
        response = self._send(user, method, path, None)
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code}")

    def _send(self, user, method, path, body):
        self.sent += 1
        return send(user, method, path, body)

    def assert_none_failed(self, figure: str):
        report(figure, self.sent)
        assert not self.failures, "\n".join(self.failures)


@pytest.fixture
def probes():
    return Probes()


def body_endpoints():
    token = {"email": "agent@example.com", "password": "correct-horse-battery-staple-9", "otp": "123456"}
    endpoints = {str(e): e for e in api_endpoints(include_public=True)}
    yield endpoints["POST /api/v1/auth/token/"], token
    for name, body in BODIES.items():
        if name in endpoints:
            yield endpoints[name], body


def test_garbage_in_any_field_is_a_400_and_changes_nothing(world, probes):
    victim, users = world
    for endpoint, valid in body_endpoints():
        user = users.get(role_for(endpoint))
        path = endpoint.path(victim.object_for(endpoint.route))
        for field, value in valid.items():
            for garbage in garbage_for(field, value):
                body = json.dumps({**valid, field: garbage}).encode()
                probes.refused_unchanged(
                    f"{endpoint} {field}={repr(garbage)[:40]}", user, endpoint.method, path, body
                )
    probes.assert_none_failed("garbage input: field probes")


def test_bodies_that_are_not_a_json_object_are_400s_and_change_nothing(world, probes):
    victim, users = world
    for endpoint, _ in body_endpoints():
        user = users.get(role_for(endpoint))
        path = endpoint.path(victim.object_for(endpoint.route))
        for body in BODY_GARBAGE:
            probes.refused_unchanged(f"{endpoint} {body[:20]!r}", user, endpoint.method, path, body)
    probes.assert_none_failed("garbage input: body probes")


def test_garbage_queries_and_paths_never_make_a_server_error(world, probes):
    victim, users = world
    for endpoint in api_endpoints(include_public=True):
        user = users.get(role_for(endpoint))
        if endpoint.method == "GET":
            path = endpoint.path(victim.object_for(endpoint.route))
            probes.no_server_error(f"{endpoint} with a garbage query", user, "GET", f"{path}?{QUERY_GARBAGE}")
            for query in SEARCH_GARBAGE:
                probes.no_server_error(f"{endpoint} ?{query[:30]}", user, "GET", f"{path}?{query}")
        if endpoint.has_object:
            values = (
                ["%00", "A" * 10_000, "%F0%9F%92%A9"] if "<str:" in endpoint.route else [HUGE, 2**63, 2**64]
            )
            for value in values:
                probes.refused_unchanged(
                    f"{endpoint} at {str(value)[:20]}", user, endpoint.method, endpoint.path(value)
                )
    probes.assert_none_failed("garbage input: query and path probes")


@pytest.mark.parametrize("vat_id", ["\U0009b8f6yV\u00d4\u0003", "FR\x00", "ÄÖÜ" * 6])
def test_a_vat_number_with_characters_no_vat_number_has_is_a_400(admin_user, vat_id):
    # Found by schemathesis: python-stdnum's compact() raised before the validation's try (a 500).
    response = send(
        admin_user,
        "POST",
        "/api/v1/customers/",
        json.dumps({"name": "Test", "country": "DE", "vat_id": vat_id}).encode(),
    )
    assert response.status_code == 400
    assert "vat_id" in response.json()
