"""Two people acting at once: exactly one succeeds, the other gets 409 (real PostgreSQL row locks)."""

import pytest

from billing.models import Invoice
from tests.concurrency import run_together
from tests.workflow import API, client_for, diagnosed, open_incident, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def statuses(results):
    return sorted(response.status_code for response in results)


def test_two_agents_starting_one_diagnosis_get_one_success(customer, agent, other_agent):
    ticket = open_incident(customer)
    url = f"{API}/tickets/{ticket['id']}/start-diagnosis/"
    results = run_together(lambda: client_for(agent).post(url), lambda: client_for(other_agent).post(url))
    assert statuses(results) == [200, 409]


def test_two_conclusions_at_once_bill_once(customer, agent, other_agent):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    url = f"{API}/tickets/{ticket['id']}/conclude-diagnosis/"
    body = {"findings": "f", "outcome": "fixed"}
    results = run_together(
        lambda: client_for(agent).post(url, body, format="json"),
        lambda: client_for(other_agent).post(url, body, format="json"),
    )
    assert statuses(results) == [200, 409]
    assert Invoice.objects.count() == 1


def test_accept_and_decline_at_once_one_wins(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    quote_id = ticket["quote"]["id"]
    results = run_together(
        lambda: client_for(customer).post(f"{API}/quotes/{quote_id}/accept/"),
        lambda: client_for(customer).post(f"{API}/quotes/{quote_id}/decline/"),
    )
    assert statuses(results) == [200, 409]


def test_two_accepts_at_once_start_the_work_once(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    url = f"{API}/quotes/{ticket['quote']['id']}/accept/"
    results = run_together(lambda: client_for(customer).post(url), lambda: client_for(customer).post(url))
    assert statuses(results) == [200, 409]
    history = client_for(agent).get(f"{API}/tickets/{ticket['id']}/history/").json()["results"]
    assert [e["verb"] for e in history].count("quote_accepted") == 1


def test_cancel_and_start_at_once_one_wins(customer, agent):
    ticket = open_incident(customer)
    results = run_together(
        lambda: client_for(customer).post(f"{API}/tickets/{ticket['id']}/cancel/"),
        lambda: client_for(agent).post(f"{API}/tickets/{ticket['id']}/start-diagnosis/"),
    )
    assert statuses(results) == [200, 409]


def test_two_agents_claiming_one_ticket_get_one_success(customer, agent, other_agent):
    ticket = open_incident(customer)
    url = f"{API}/tickets/{ticket['id']}/claim/"
    results = run_together(lambda: client_for(agent).post(url), lambda: client_for(other_agent).post(url))
    assert statuses(results) == [200, 409]
