"""Every consent list costs the same number of queries for 1 row as for 50."""

import pytest

from consent import services
from consent.models import ContactObligation
from tests.workflow import API, client_for, open_incident
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def fill(ticket_id: int, agent, customer, rows: int) -> None:
    ticket = Ticket.objects.get(pk=ticket_id)
    for _ in range(rows):
        request = services.access_request_create(
            ticket=ticket, scope="read_data", reason="r", duration_hours=1, by=agent
        )
        services.access_request_grant(access_request=request, by=customer)
        services.intervention_perform(ticket=ticket, action="read_data", description="d", by=agent)
        services.intervention_perform(ticket=ticket, action="rescue_mode", description="d", by=agent)
    obligation = ContactObligation.objects.filter(ticket=ticket).first()
    services.contact_record(obligation=obligation, channel="phone", note="n", by=agent)


@pytest.fixture(params=[1, 50])
def rows(request):
    return request.param


@pytest.fixture
def filled(ticket, agent, customer, rows):
    """The ticket with `rows` rounds of a request, its grant and two interventions, and a contact."""
    fill(ticket["id"], agent, customer, rows)
    return ticket


PATHS = [
    "tickets/{id}/access-requests/",
    "tickets/{id}/interventions/",
    "tickets/{id}/audit-log/",
    "audit-log/",
    "audit-log/?ticket={id}&outcome=done",
]


def test_lists_are_query_bounded(filled, customer, agent, django_assert_max_num_queries, rows):
    ticket = filled
    for user in (customer, agent):
        for path in PATHS:
            with django_assert_max_num_queries(3):
                response = client_for(user).get(f"{API}/{path.format(id=ticket['id'])}", {"page_size": 100})
            assert response.status_code == 200
            assert len(response.json()["results"]) >= rows


def test_contact_obligations_list_is_query_bounded(filled, agent, django_assert_max_num_queries, rows):
    with django_assert_max_num_queries(3):
        response = client_for(agent).get(f"{API}/contact-obligations/", {"page_size": 100})
    assert len(response.json()["results"]) == 2 * rows


def test_the_queue_with_its_contact_flag_is_query_bounded(
    customer, agent, django_assert_max_num_queries, rows, raised_rate_limits
):
    for _ in range(rows):
        ticket = open_incident(customer)
        services.intervention_perform(
            ticket=Ticket.objects.get(pk=ticket["id"]), action="rescue_mode", description="d", by=agent
        )
    with django_assert_max_num_queries(5):
        response = client_for(agent).get(f"{API}/tickets/queue/", {"page_size": 100})
    assert [item["contact_pending"] for item in response.json()["results"]] == [True] * rows


def test_the_csv_download_is_query_bounded(filled, customer, django_assert_max_num_queries, rows):
    with django_assert_max_num_queries(3):
        response = client_for(customer).get(f"{API}/tickets/{filled['id']}/audit-log/csv/")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 4 * rows  # the header, then a request, a grant and two interventions a round
