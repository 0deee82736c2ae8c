"""`tickets_ended`: every use case that moves a ticket into a final state says so once, and no other does."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quotes.models import Quote
from quotes.services import quote_expire
from tests.workflow import API, client_for, conclude, diagnosed, open_incident, start
from tickets.services import tickets_cancel_for_bans
from tickets.signals import tickets_ended

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The ticket ids of every tickets_ended signal sent during the test."""
    ended = []

    def listen(sender, ticket_ids, **kwargs):
        ended.append(ticket_ids)

    tickets_ended.connect(listen, weak=False, dispatch_uid="tests.tickets.announced")
    yield ended
    tickets_ended.disconnect(dispatch_uid="tests.tickets.announced")


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("outcome", ["fixed", "provider_fault", "no_quote", "no_competence"])
def test_a_conclusion_that_ends_the_ticket_announces_it(customer, agent, announced, outcome):
    ticket = open_incident(customer, suspected_provider_fault=outcome == "provider_fault")
    start(agent, ticket["id"])
    assert announced == []
    conclude(agent, ticket["id"], outcome)
    assert announced == [[ticket["id"]]]


def test_a_quote_announces_nothing_until_declined(customer, agent, announced):
    ticket = diagnosed(customer, agent, "quoted")
    assert announced == []
    ok(client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/decline/"))
    assert announced == [[ticket["id"]]]


def test_an_expired_quote_ends_its_ticket(customer, agent, announced):
    ticket = diagnosed(customer, agent, "quoted")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        quote_expire(quote=Quote.objects.get(pk=ticket["quote"]["id"]))
    assert announced == [[ticket["id"]]]


def test_accepted_work_ends_the_ticket_when_complete(customer, agent, announced):
    ticket = diagnosed(customer, agent, "quoted")
    ok(client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/accept/"))
    assert announced == []
    ok(
        client_for(agent).post(
            f"{API}/tickets/{ticket['id']}/complete-work/", {"report": "Done."}, format="json"
        )
    )
    assert announced == [[ticket["id"]]]


def test_cancelling_and_answering_end_the_ticket(customer, agent, announced):
    incident = open_incident(customer)
    ok(client_for(customer).post(f"{API}/tickets/{incident['id']}/cancel/"))
    question = ok_created(
        client_for(customer).post(
            f"{API}/tickets/", {"kind": "technical", "subject": "s", "description": "d"}, format="json"
        )
    )
    ok(client_for(agent).post(f"{API}/tickets/{question['id']}/close/", {"answer": "Sent."}, format="json"))
    assert announced == [[incident["id"]], [question["id"]]]


def ok_created(response):
    assert response.status_code == 201, response.content
    return response.json()


def test_a_ban_announces_the_tickets_it_cancelled_once(customer, agent, announced):
    waiting = [open_incident(customer)["id"] for _ in range(2)]
    start(agent, open_incident(customer)["id"])
    assert tickets_cancel_for_bans(customer_ids=[customer.customer_id]) == 2
    assert announced == [waiting]
