"""Schemathesis against /api/v1/schema/: every operation, 100 generated requests each (configurable
with FUZZ_EXAMPLES), no server error, and every answer as the schema documents it (status, content
type, body and headers), valid and invalid input alike.

Each operation is called by a role the contract lets through (tests/security/test_access_matrix.py),
so the requests reach the view's own logic; half the generated ids are swapped for real objects in
the state their action needs, so the fuzzing also reaches the services, not only the 404s.
"""

import os
import re

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.models import Role
from accounts.tokens import token_issue
from config.wsgi import application
from tests.counts import COUNTS, report
from tests.factories import UserFactory
from tests.security.test_access_matrix import ADMIN, AGENT, CONTRACT, CUSTOMER, FINANCE, Victim

# Limits raised: hundreds of examples per operation are a flood by design (the 429 is tested on its own).
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db, pytest.mark.usefixtures("raised_rate_limits")]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
SEEN: set = set()

# The coverage phase adds schemathesis' systematic boundary and negative cases to the random ones;
# FUZZ_COVERAGE=0 leaves it out when only a quick random pass is wanted.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": os.environ.get("FUZZ_COVERAGE", "1") != "0"}}}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)

# Every check on answers runs (server errors, status codes, content types, bodies, headers). Left out:
# the two that judge which inputs are refused. Schema-valid input is refused by business rules the
# schema cannot express (an unknown country, a VAT number, a service of another account), and the
# filters and page_size of lists tolerate what they cannot use, as DRF does; neither is an answer
# that contradicts the schema.
INPUT_STRICTNESS = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One victim account and its objects for the whole module (building it renders PDFs: seconds),
    in a transaction rolled back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            agent = UserFactory(role=Role.AGENT, customer=None, email="fuzz-agent@example.com")
            victim = Victim(agent)
            users = {
                ADMIN: UserFactory(role=Role.ADMIN, customer=None, email="fuzz-admin@example.com"),
                FINANCE: UserFactory(role=Role.FINANCE, customer=None, email="fuzz-finance@example.com"),
                AGENT: agent,
                CUSTOMER: victim.user,
            }
            tokens = {role: token_issue(user, second_factor=True)[0] for role, user in users.items()}
            # Trap 10: a WSGI call closes the connection at request start and end, and with it the
            # transaction. Disconnected last: Django's test client (used above) reconnects it per call.
            signals.request_started.disconnect(close_old_connections)
            signals.request_finished.disconnect(close_old_connections)
            yield victim, tokens
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def route_of(path: str) -> str:
    """/api/v1/tickets/{id}/cancel/ → api/v1/tickets/<int:pk>/cancel/, the key of CONTRACT."""
    return re.sub(r"\{country\}", "<str:country>", re.sub(r"\{id\}", "<int:pk>", path)).lstrip("/")


def role_for(method: str, path: str) -> str | None:
    allowed = CONTRACT.get(f"{method} /{route_of(path)}")
    if allowed is None:
        return None  # public (token, schema)
    return next(role for role in (ADMIN, FINANCE, AGENT, CUSTOMER) if role in allowed)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_answers_as_documented(case, world):
    if case.operation.label not in SEEN:
        SEEN.add(case.operation.label)
        report("schemathesis: operations")
        COUNTS["schemathesis: max_examples per operation"] = EXAMPLES
    victim, tokens = world
    role = role_for(case.operation.method.upper(), case.operation.path)
    headers = {"Authorization": f"Token {tokens[role]}"} if role else {}
    if (
        "id" in (case.path_parameters or {})
        and isinstance(case.path_parameters["id"], int)
        and case.path_parameters["id"] % 2 == 0
    ):
        case.path_parameters["id"] = victim.object_for(route_of(case.path))
    case.call_and_validate(headers=headers, excluded_checks=INPUT_STRICTNESS)
    report("schemathesis: requests checked")
