"""Run by tests/reliability/test_read_replica.py in a process of its own, whose DATABASE_URL and
DATABASE_REPLICA_URL name a primary and its streaming replica started by the test.

It drives the API as a customer and an agent while the replica's replay is paused (a replica as far
behind as one can be) and prints, as JSON, what each request saw and on which database it read.
"""

import json
import os
import sys
import time

import django
import django.test.utils

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
# As pytest-django does: the test client's host is allowed, e-mails stay in memory.
django.test.utils.setup_test_environment()

import psycopg  # noqa: E402 - after django.setup(), as every import of the app's code
from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role  # noqa: E402
from tests.factories import CustomerFactory, UserFactory  # noqa: E402
from tests.workflow import API, client_for, open_incident  # noqa: E402


def replica_sql(sql: str) -> None:
    with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as connection:
        connection.execute(sql)


def listed(client, path: str) -> tuple[list[int], dict[str, int]]:
    """The ids a list shows, and how many queries each database answered for it."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]], {
        "primary": len(primary.captured_queries),
        "replica": len(replica.captured_queries),
    }


def main() -> None:
    customer = UserFactory(customer=CustomerFactory(country="FR"), role=Role.CUSTOMER)
    agent = UserFactory(role=Role.AGENT, customer=None)
    first = open_incident(customer)["id"]
    time.sleep(1)  # the replica catches up with the setup
    results: dict = {"first": first}

    replica_sql("SELECT pg_wal_replay_pause()")
    try:
        # The customer opens a ticket and lists theirs at once: they just wrote, so the primary answers.
        second = open_incident(customer)["id"]
        results["second"] = second
        results["customer_after_write"] = listed(client_for(customer), f"{API}/tickets/")
        # The agent wrote nothing: their list is read on the replica, which has not replayed it yet.
        results["agent_on_replica"] = listed(client_for(agent), f"{API}/tickets/")
        # The agent acts (claims the new ticket): from then on, their reads go to the primary too.
        claim = client_for(agent).post(f"{API}/tickets/{second}/claim/")
        results["claim_status"] = claim.status_code
        results["agent_after_write"] = listed(client_for(agent), f"{API}/tickets/")
        # The pin ends; with the replica still paused, the agent reads the replica's older copy again.
        time.sleep(settings.DATABASE_REPLICA_PIN_SECONDS + 0.5)
        results["agent_after_pin"] = listed(client_for(agent), f"{API}/tickets/")
    finally:
        replica_sql("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ids, _ = listed(client_for(agent), f"{API}/tickets/")
        if second in ids:
            break
        time.sleep(0.2)
    results["agent_after_replay"] = listed(client_for(agent), f"{API}/tickets/")
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
