import pytest

from tests.workflow import API, FRENCH_FEE, client_for, open_incident, start
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def test_customer_opens_incident_with_the_fee_fixed_at_opening(customer, service):
    ticket = open_incident(customer, service=service.pk, suspected_provider_fault=True)
    assert ticket["status"] == "open"
    assert ticket["kind"] == "incident"
    assert ticket["service"] == service.pk
    assert ticket["suspected_provider_fault"] is True
    assert ticket["diagnosis_fee"] == FRENCH_FEE
    assert ticket["diagnosis"] is None and ticket["quote"] is None and ticket["invoices"] == []
    assert ticket["assignee"] is None


def test_german_customer_pays_german_vat(other_customer):
    ticket = open_incident(other_customer)
    assert ticket["diagnosis_fee"]["vat_rate"] == "19.00"
    assert ticket["diagnosis_fee"]["gross"] == "23.80"


def test_incident_without_accepting_the_fee_is_refused(customer):
    response = client_for(customer).post(
        f"{API}/tickets/", {"kind": "incident", "subject": "s", "description": "d"}, format="json"
    )
    assert response.status_code == 400
    assert "accept_diagnosis_fee" in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("kind", ["technical", "commercial", "sla_claim"])
def test_question_tickets_carry_no_fee(customer, kind):
    response = client_for(customer).post(
        f"{API}/tickets/", {"kind": kind, "subject": "s", "description": "d"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["diagnosis_fee"] is None


def test_service_of_another_account_is_refused(customer, other_customer):
    from tests.factories import ServiceFactory

    foreign = ServiceFactory(customer=other_customer.customer)
    response = client_for(customer).post(
        f"{API}/tickets/",
        {"kind": "technical", "subject": "s", "description": "d", "service": foreign.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "service" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "urgent", "subject": "s", "description": "d"}, "kind"),
        ({"kind": "technical", "subject": "", "description": "d"}, "subject"),
        ({"kind": "technical", "subject": "s" * 201, "description": "d"}, "subject"),
        ({"kind": "technical", "subject": "s", "description": "d" * 20001}, "description"),
        ({"kind": "technical", "subject": "s\x00", "description": "d"}, "subject"),
        ({"kind": "technical", "subject": "s", "description": "d", "service": "abc"}, "service"),
        ({"kind": "technical", "subject": "s", "description": "d", "service": 10**30}, "service"),
        ({"kind": "technical", "subject": ["s"], "description": "d"}, "subject"),
        (
            {"kind": "incident", "subject": "s", "description": "d", "accept_diagnosis_fee": "perhaps"},
            "accept_diagnosis_fee",
        ),
        (
            {"kind": "incident", "subject": "s", "description": "d", "accept_diagnosis_fee": False},
            "accept_diagnosis_fee",
        ),
    ],
)
def test_bad_ticket_input_is_a_400_and_opens_nothing(customer, payload, field):
    response = client_for(customer).post(f"{API}/tickets/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", ["agent", "finance", "admin_user"])
def test_only_customers_open_tickets(request, role):
    user = request.getfixturevalue(role)
    response = client_for(user).post(
        f"{API}/tickets/", {"kind": "technical", "subject": "s", "description": "d"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_customer_sees_only_own_tickets_and_404_for_others(customer, other_customer, agent):
    mine = open_incident(customer)
    theirs = open_incident(other_customer)
    listed = client_for(customer).get(f"{API}/tickets/").json()["results"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert client_for(customer).get(f"{API}/tickets/{theirs['id']}/").status_code == 404
    assert client_for(customer).post(f"{API}/tickets/{theirs['id']}/cancel/").status_code == 404
    assert {t["id"] for t in client_for(agent).get(f"{API}/tickets/").json()["results"]} == {
        mine["id"],
        theirs["id"],
    }


def test_finance_does_not_read_ticket_content(finance, customer):
    ticket = open_incident(customer)
    assert client_for(finance).get(f"{API}/tickets/").status_code == 403
    assert client_for(finance).get(f"{API}/tickets/{ticket['id']}/").status_code == 403


def test_list_is_newest_first_and_filtered_by_status(customer, agent):
    first = open_incident(customer)
    second = open_incident(customer)
    start(agent, first["id"])
    client = client_for(customer)
    assert [t["id"] for t in client.get(f"{API}/tickets/").json()["results"]] == [second["id"], first["id"]]
    assert [t["id"] for t in client.get(f"{API}/tickets/?status=diagnosing").json()["results"]] == [
        first["id"]
    ]
    assert client.get(f"{API}/tickets/?status=bogus").status_code == 400


def test_customer_cancels_an_open_ticket_but_not_a_started_one(customer, agent):
    ticket = open_incident(customer)
    other = open_incident(customer)
    start(agent, other["id"])
    client = client_for(customer)
    cancelled = client.post(f"{API}/tickets/{ticket['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"{API}/tickets/{ticket['id']}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert client.post(f"{API}/tickets/{other['id']}/cancel/").status_code == 409
    assert client_for(agent).post(f"{API}/tickets/{ticket['id']}/cancel/").status_code == 403


def test_start_diagnosis_assigns_the_caller_and_only_once(customer, agent, other_agent):
    ticket = open_incident(customer)
    started = start(agent, ticket["id"])
    assert started["status"] == "diagnosing" and started["assignee"] == agent.pk
    response = client_for(other_agent).post(f"{API}/tickets/{ticket['id']}/start-diagnosis/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_customer_cannot_start_a_diagnosis(customer):
    ticket = open_incident(customer)
    response = client_for(customer).post(f"{API}/tickets/{ticket['id']}/start-diagnosis/")
    assert response.status_code == 403


def test_question_tickets_are_closed_with_an_answer_not_diagnosed(customer, agent):
    question = (
        client_for(customer)
        .post(
            f"{API}/tickets/",
            {"kind": "commercial", "subject": "Invoice copy", "description": "Please"},
            format="json",
        )
        .json()
    )
    agent_client = client_for(agent)
    assert agent_client.post(f"{API}/tickets/{question['id']}/start-diagnosis/").status_code == 409
    assert (
        agent_client.post(f"{API}/tickets/{question['id']}/close/", {"answer": ""}, format="json").status_code
        == 400
    )
    closed = agent_client.post(f"{API}/tickets/{question['id']}/close/", {"answer": "Sent."}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["invoices"] == []
    incident = open_incident(customer)
    assert (
        agent_client.post(
            f"{API}/tickets/{incident['id']}/close/", {"answer": "No"}, format="json"
        ).status_code
        == 409
    )


def test_messages_in_any_state_between_customer_and_staff(customer, agent, other_customer):
    ticket = open_incident(customer)
    client_for(customer).post(f"{API}/tickets/{ticket['id']}/cancel/")
    posted = client_for(customer).post(
        f"{API}/tickets/{ticket['id']}/messages/", {"body": "Sorry, fixed it"}, format="json"
    )
    assert posted.status_code == 201
    client_for(agent).post(f"{API}/tickets/{ticket['id']}/messages/", {"body": "<b>ok</b>"}, format="json")
    bodies = [
        m["body"]
        for m in client_for(customer).get(f"{API}/tickets/{ticket['id']}/messages/").json()["results"]
    ]
    assert bodies == ["<b>ok</b>", "Sorry, fixed it"]  # newest first, as every list of the contract
    assert client_for(other_customer).get(f"{API}/tickets/{ticket['id']}/messages/").status_code == 404
    empty = client_for(customer).post(f"{API}/tickets/{ticket['id']}/messages/", {"body": ""}, format="json")
    assert empty.status_code == 400
    assert Message.objects.count() == 2


def test_history_shows_staff_everything_and_the_customer_its_public_part(customer, agent):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    note = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/notes/", {"body": "Customer sounds upset"}, format="json"
    )
    assert note.status_code == 201 and note.json()["public"] is False
    customer_note = client_for(customer).post(
        f"{API}/tickets/{ticket['id']}/notes/", {"body": "x"}, format="json"
    )
    assert customer_note.status_code == 403
    staff_verbs = [
        e["verb"] for e in client_for(agent).get(f"{API}/tickets/{ticket['id']}/history/").json()["results"]
    ]
    customer_verbs = [
        e["verb"]
        for e in client_for(customer).get(f"{API}/tickets/{ticket['id']}/history/").json()["results"]
    ]
    assert staff_verbs == ["note", "diagnosis_started", "opened"]
    assert customer_verbs == ["diagnosis_started", "opened"]


def test_queue_is_open_incidents_oldest_first_with_filters(customer, other_customer, agent):
    first = open_incident(customer, suspected_provider_fault=True)
    second = open_incident(other_customer)
    client_for(customer).post(
        f"{API}/tickets/", {"kind": "technical", "subject": "q", "description": "d"}, format="json"
    )
    done = open_incident(customer)
    client_for(customer).post(f"{API}/tickets/{done['id']}/cancel/")
    client = client_for(agent)
    assert [t["id"] for t in client.get(f"{API}/tickets/queue/").json()["results"]] == [
        first["id"],
        second["id"],
    ]
    assert [t["id"] for t in client.get(f"{API}/tickets/queue/?country=DE").json()["results"]] == [
        second["id"]
    ]
    assert [
        t["id"] for t in client.get(f"{API}/tickets/queue/?suspected_provider_fault=true").json()["results"]
    ] == [first["id"]]
    start(agent, second["id"])
    assert [t["id"] for t in client.get(f"{API}/tickets/queue/?assignee={agent.pk}").json()["results"]] == [
        second["id"]
    ]
    assert client_for(customer).get(f"{API}/tickets/queue/").status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_ticket_list_query_count_does_not_grow_with_rows(
    customer, agent, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        ticket = open_incident(customer)
    start(agent, ticket["id"])
    with django_assert_max_num_queries(6):
        response = client_for(customer).get(f"{API}/tickets/?page_size=50")
    assert len(response.json()["results"]) == rows
    with django_assert_max_num_queries(6):
        client_for(agent).get(f"{API}/tickets/queue/?page_size=50")


def test_claiming_takes_the_ticket_without_starting_the_billable_diagnosis(customer, agent, other_agent):
    ticket = open_incident(customer)
    claimed = client_for(agent).post(f"{API}/tickets/{ticket['id']}/claim/")
    assert claimed.status_code == 200, claimed.content
    assert (claimed.json()["status"], claimed.json()["assignee"]) == ("open", agent.pk)
    assert Ticket.objects.get(pk=ticket["id"]).diagnosis_started_at is None  # the fee is not engaged
    # Someone else's ticket is not taken over by a second claim.
    again = client_for(other_agent).post(f"{API}/tickets/{ticket['id']}/claim/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    # The diagnosis starts apart, by an explicit step.
    started = client_for(agent).post(f"{API}/tickets/{ticket['id']}/start-diagnosis/")
    assert started.json()["status"] == "diagnosing"
    assert client_for(agent).post(f"{API}/tickets/{ticket['id']}/claim/").status_code == 409


def test_a_question_can_be_claimed_too(customer, agent):
    question = (
        client_for(customer)
        .post(
            f"{API}/tickets/", {"kind": "technical", "subject": "DNS?", "description": "How?"}, format="json"
        )
        .json()
    )
    claimed = client_for(agent).post(f"{API}/tickets/{question['id']}/claim/")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == agent.pk
