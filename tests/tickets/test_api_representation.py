"""The ticket representation written out by hand gives what DRF's generic walk over the declared
fields gives, for every shape of ticket: question, incident, free fee, diagnosis, quote, invoices."""

import pytest
from django.utils import timezone

from billing.models import FreePeriod
from tests.representation import generic
from tests.workflow import API, client_for, diagnosed, open_incident, start
from tickets import selectors
from tickets.api import TicketOutput, TicketQueueOutput, with_ticket_output_relations

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_shape(customer, agent, service):
    client_for(customer).post(
        f"{API}/tickets/", {"kind": "technical", "subject": "DNS?", "description": "How?"}, format="json"
    )
    open_incident(customer, service=service.pk, suspected_provider_fault=True)
    start(agent, open_incident(customer)["id"])
    for outcome in ("fixed", "no_quote", "no_competence", "provider_fault"):
        diagnosed(customer, agent, outcome, suspected_provider_fault=outcome == "provider_fault")
    quoted = diagnosed(customer, agent, "quoted")
    assert client_for(customer).post(f"{API}/quotes/{quoted['quote']['id']}/accept/").status_code == 200
    today = timezone.localdate()
    FreePeriod.objects.create(starts_on=today, ends_on=today, countries=[])
    diagnosed(customer, agent, "fixed")  # a free diagnosis: free_reason set


def test_the_same_representation_as_drfs_generic_one(every_shape, agent):
    tickets = list(with_ticket_output_relations(selectors.tickets_visible_to(user=agent)).order_by("id"))
    assert len(tickets) >= 8
    assert any(t.fee_net is None for t in tickets) and any(t.fee_free for t in tickets)
    assert any(hasattr(t, "quote") for t in tickets) and any(t.invoices.all() for t in tickets)
    for ticket in tickets:
        assert TicketOutput(ticket).data == generic(TicketOutput, ticket), ticket.pk


def test_the_queue_representation_adds_the_contact_flag(every_shape):
    queue = list(with_ticket_output_relations(selectors.tickets_queue()))
    assert queue
    for ticket in queue:
        assert TicketQueueOutput(ticket).data == generic(TicketQueueOutput, ticket), ticket.pk


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "incident", "accept_diagnosis_fee": True, "suspected_provider_fault": True},
        {"kind": "commercial"},
    ],
)
def test_the_answer_to_opening_a_ticket_is_what_reading_it_gives(customer, service, payload):
    client = client_for(customer)
    opened = client.post(
        f"{API}/tickets/",
        {"subject": "Slow", "description": "Since 9", "service": service.pk, **payload},
        format="json",
    )
    assert opened.status_code == 201
    assert opened.json() == client.get(f"{API}/tickets/{opened.json()['id']}/").json()
