"""Two staff members acting on one incident at once: one success, one 409 (real PostgreSQL row locks)."""

import pytest

from tests.concurrency import run_together
from tests.outages.helpers import draft
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def test_two_agents_publishing_one_incident_get_one_success(agent, other_agent):
    url = f"{API}/incidents/{draft(agent).pk}/publish/"
    results = run_together(lambda: client_for(agent).post(url), lambda: client_for(other_agent).post(url))
    assert sorted(response.status_code for response in results) == [200, 409]
