"""The API's documentation and its OpenAPI schema are for signed-in callers only.

The red team fetched /api/docs/ and /api/v1/schema/ without an account and read every internal endpoint
(the queue, notes, users, reports). Now: anonymous callers get the portal login (docs) or the contract's
401 (schema); staff see every operation; a customer sees exactly the operations the access matrix lets a
customer call.
"""

import json
import re

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tokens import token_issue
from tests.portals import browser
from tests.security.test_access_matrix import CONTRACT, CUSTOMER
from tests.security.urls import api_endpoints, staff_schema
from tests.workflow import client_for

pytestmark = pytest.mark.django_db

SCHEMA, DOCS = "/api/v1/schema/", "/api/docs/"
JSON = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}


def operations(document: dict) -> set[str]:
    """The schema's operations, named as the access matrix names them ("GET /api/v1/tickets/<int:pk>/")."""
    named = set()
    for path, methods in document["paths"].items():
        route = re.sub(r"\{id\}", "<int:pk>", re.sub(r"\{country\}", "<str:country>", path))
        named |= {f"{method.upper()} {route}" for method in methods}
    return named


@pytest.mark.parametrize("accept", [None, "application/vnd.oai.openapi", "application/vnd.oai.openapi+json"])
def test_an_anonymous_caller_gets_a_401_and_no_schema(accept):
    response = APIClient().get(SCHEMA, **({"HTTP_ACCEPT": accept} if accept else {}))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert b"/tickets/queue/" not in response.content


def test_a_bad_token_gets_a_401():
    response = APIClient().get(SCHEMA, HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


@pytest.mark.parametrize("query", ["", "?script", "?format=json"])
def test_the_docs_page_sends_an_anonymous_visitor_to_the_login(query):
    response = browser(None).get(DOCS + query)
    assert response.status_code == 302
    assert response.url.startswith(settings.LOGIN_URL + "?next=/api/docs/")


@pytest.mark.parametrize("person", ["customer", "agent", "finance"])
def test_the_docs_page_opens_for_anyone_signed_in(request, person):
    response = browser(request.getfixturevalue(person)).get(DOCS)
    assert response.status_code == 200
    assert SCHEMA.encode() in browser(request.getfixturevalue(person)).get(DOCS + "?script").content


@pytest.mark.parametrize("person", ["agent", "finance", "admin_user"])
def test_staff_get_the_whole_schema(request, person):
    response = client_for(request.getfixturevalue(person)).get(SCHEMA, **JSON)
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document == staff_schema()  # what schemathesis fuzzes
    assert operations(document) == {str(endpoint) for endpoint in api_endpoints(include_public=True)} - {
        f"GET {SCHEMA}"
    }


def test_a_customer_gets_exactly_the_operations_a_customer_may_call(customer):
    response = client_for(customer).get(SCHEMA, **JSON)
    assert response.status_code == 200
    mine = operations(json.loads(response.content))
    allowed = {route for route, roles in CONTRACT.items() if CUSTOMER in roles} - {f"GET {SCHEMA}"}
    assert mine == allowed | {"POST /api/v1/auth/token/", "GET /api/v1/status/incidents/"}
    for internal in (
        "GET /api/v1/tickets/queue/",
        "POST /api/v1/tickets/<int:pk>/notes/",
        "GET /api/v1/users/",
    ):
        assert internal not in mine


def test_a_customer_with_a_token_gets_the_same_filtered_schema(customer):
    key, _token = token_issue(customer)
    by_token = APIClient().get(SCHEMA, HTTP_AUTHORIZATION=f"Token {key}", **JSON)
    by_session = browser(customer).get(SCHEMA, **JSON)
    assert by_token.status_code == by_session.status_code == 200
    assert operations(json.loads(by_token.content)) == operations(json.loads(by_session.content))
    assert b"/tickets/queue/" not in by_token.content
