"""Fixtures of the consent tests: staff ask for access on a ticket whose diagnosis has started."""

import pytest

from tests.workflow import open_incident, start


@pytest.fixture
def ticket(customer, agent):
    """An incident opened over the API and taken by the agent (the ticket as it was opened)."""
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    return ticket
