"""A tampered page cursor is invalid input: 400 on `cursor` in the API, the first page in the portals.

An attacker decodes a `next` link (base64 of `o=…&r=…&p=…`), edits it and sends it back. DRF filtered on
the raw position, so `p=abc` on a list ordered by id was a 500 on every keyset list. Every paginated API
list comes from the URL resolver, so a new one is probed as soon as it exists.
"""

import base64

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from tests.portals import browser
from tests.security.test_access_matrix import ADMIN, AGENT, CONTRACT, CUSTOMER, FINANCE
from tests.security.urls import api_endpoints
from tests.workflow import API, client_for, open_incident

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


HOSTILE_CURSORS = [
    b64(b"p=abc"),  # the finding: a position that is not an id
    b64(b"p="),
    b64(b"p=1.5"),
    b64(b"p=1e9"),
    b64(b"p=\x00"),
    b64(b"p=2026-13-45T99:99:99"),
    b64(b"p=99999999999999999999999999999999"),  # beyond bigint
    b64(b"p=-99999999999999999999999999999999"),
    b64(b"p=\xff\xfe\xfd"),  # not UTF-8 (nor ASCII)
    b64(b"o=-1"),
    b64(b"o=abc"),
    b64(b"r=maybe"),
    b64(b"o=1&r=1&p=" + b"9" * 150),
    "not base64 !!!",
    "cD1hYmM",  # padding cut off
    "%ff%fe",
    "é€😀",
    "A" * 10_000,
]


def paginated_lists():
    """Every GET list of the API whose view pages its results."""
    return [
        endpoint
        for endpoint in api_endpoints()
        if endpoint.method == "GET"
        and hasattr(endpoint.view, "list")
        and getattr(endpoint.view, "pagination_class", None) is not None
    ]


def test_the_probe_covers_the_keyset_lists():
    routes = {str(endpoint) for endpoint in paginated_lists()}
    assert {"GET /api/v1/tickets/", "GET /api/v1/invoices/", "GET /api/v1/tickets/queue/"} <= routes
    assert len(routes) >= 12


def test_every_paginated_list_answers_a_tampered_cursor_with_a_400_on_cursor(
    customer, agent, finance, admin_user
):
    ticket = open_incident(customer)["id"]
    people = {CUSTOMER: customer, AGENT: agent, FINANCE: finance, ADMIN: admin_user}
    failures, probes = [], 0
    for endpoint in paginated_lists():
        allowed = CONTRACT[str(endpoint)]
        role = next(role for role in (ADMIN, AGENT, FINANCE, CUSTOMER) if role in allowed)
        path = endpoint.path(
            customer.customer_id if endpoint.route.startswith("api/v1/customers/") else ticket
        )
        client = client_for(people[role])
        assert client.get(path).status_code == 200, path
        for cursor in HOSTILE_CURSORS:
            response = client.get(path, {"cursor": cursor})
            probes += 1
            if response.status_code != 400 or list(response.json()) != ["cursor"]:
                failures.append(
                    f"{path}?cursor={cursor[:40]}: {response.status_code} {response.content[:120]}"
                )
    assert not failures, "\n".join(failures)
    assert probes >= 12 * len(HOSTILE_CURSORS)


def test_a_customer_cursor_cannot_reach_past_its_own_rows(customer, other_customer):
    mine = open_incident(customer)["id"]
    open_incident(other_customer)
    # A well-formed cursor placed anywhere still pages through the caller's own rows only.
    response = client_for(customer).get(f"{API}/tickets/", {"cursor": b64(b"p=999999999")})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine]


def test_a_genuine_next_link_still_pages(customer):
    ids = [open_incident(customer)["id"] for _ in range(3)]
    first = client_for(customer).get(f"{API}/tickets/", {"page_size": 2}).json()
    second = client_for(customer).get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == ids[::-1]
    assert client_for(customer).get(second["previous"]).json()["results"] == first["results"]


PORTAL_PARAMS = ["after", "before", "cursor", "page"]
HOSTILE_PORTAL_VALUES = [
    *HOSTILE_CURSORS,
    # The portals' own cursors are base64 JSON lists of the ordering values.
    b64(b'["9999-99-99T99:99:99", 1]').rstrip("="),
    b64(b'["9999-12-31T23:59:59.999999+14:00", 1]').rstrip("="),
    b64(b'["0001-01-01T00:00:00-14:00", 1]').rstrip("="),
    b64(b'["0000-00-00", 1]').rstrip("="),
    b64(b"[99999999999999999999999999999999]").rstrip("="),
    b64(b"[99999999999999999999999999999999, 99999999999999999999999999999999]").rstrip("="),
    b64(b'["\\u0000", "\\u0000"]').rstrip("="),
    b64(b'[{"a": 1}, [1]]').rstrip("="),
    b64(b"[1e999, 1e999]").rstrip("="),
    b64(b"[true, false]").rstrip("="),
    "-1",
    "0",
    "99999999999999999999999999",
]


def portal_lists():
    """Every portal page without a path parameter (the lists are among them)."""
    pages = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.split("/")[0] in ("customer", "staff", "finance") and "<" not in route:
                    pages.append("/" + route)

    walk(get_resolver().url_patterns)
    return pages


def test_portal_lists_never_fail_on_a_tampered_cursor(customer, agent, finance):
    open_incident(customer)
    admin = UserFactory(role="admin", customer=None, email="cursor-admin@example.com")
    by_portal = {"customer": customer, "staff": agent, "finance": finance}
    failures, probes = [], 0
    for page in portal_lists():
        client = browser(by_portal.get(page.split("/")[1], admin))
        if client.get(page).status_code != 200:
            continue  # a form or an action (POST), not a list
        for param in PORTAL_PARAMS:
            for value in HOSTILE_PORTAL_VALUES:
                response = client.get(page, {param: value})
                probes += 1
                if response.status_code not in (200, 400, 404):
                    failures.append(f"{page}?{param}={value[:40]}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert probes > 0
