"""Staff portal pages of tickets: the queue oldest first, claiming, the workspace, "my tickets"."""

import pytest
from django.urls import reverse

from tests.portals import HOSTILE, browser, incident, statuses
from tickets.models import Ticket
from tickets.services import ticket_close, ticket_open, ticket_start_diagnosis

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["staff:tickets:queue", "staff:tickets:mine", "staff:tickets:all"])
def test_staff_pages_open_for_support_only(name, customer, agent, finance, admin_user):
    assert statuses(reverse(name), agent, admin_user, customer, finance, None) == [200, 200, 403, 403, 302]


def test_the_inbox_lists_what_waits_for_support_oldest_first_with_their_age(customer, agent):
    first, second = incident(customer, subject="first"), incident(customer, subject="second")
    question = ticket_open(by=customer, kind="technical", subject="a question", description="d")
    answered = ticket_open(by=customer, kind="commercial", subject="answered", description="d")
    ticket_close(ticket=answered, answer="Done.", by=agent)
    page = browser(agent).get(reverse("staff:tickets:queue"))
    assert [t.pk for t in page.context["page"].object_list] == [first.pk, second.pk, question.pk]
    assert b"<time" in page.content


def test_queue_filters_by_country_fault_and_assignee(customer, other_customer, agent):
    french = incident(customer, suspected_provider_fault=True)
    german = incident(other_customer)
    ticket_start_diagnosis(ticket=german, by=agent)
    client = browser(agent)
    assert [t.pk for t in client.get(reverse("staff:tickets:queue") + "?country=DE").context["page"]] == [
        german.pk
    ]
    assert [
        t.pk
        for t in client.get(reverse("staff:tickets:queue") + "?suspected_provider_fault=true").context["page"]
    ] == [french.pk]
    assert [t.pk for t in client.get(reverse("staff:tickets:queue") + "?assignee=me").context["page"]] == [
        german.pk
    ]
    assert [t.pk for t in client.get(reverse("staff:tickets:queue") + "?assignee=none").context["page"]] == [
        french.pk
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_queue_filters_survive_hostile_input(agent, value):
    response = browser(agent).get(
        reverse("staff:tickets:queue"),
        {
            "country": value,
            "kind": value,
            "assignee": value,
            "suspected_provider_fault": value,
            "page": value,
        },
    )
    assert response.status_code == 200


def test_htmx_filter_returns_the_rows_only(agent, customer):
    incident(customer)
    response = browser(agent).get(
        reverse("staff:tickets:queue"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-rows"
    )
    assert b'id="ticket-rows"' in response.content and b"<html" not in response.content


def test_claiming_takes_the_ticket_and_starting_the_diagnosis_is_a_step_of_its_own(customer, agent):
    ticket = incident(customer)
    client = browser(agent)
    response = client.post(reverse("staff:tickets:claim", args=[ticket.pk]))
    assert response["Location"] == reverse("staff:tickets:detail", args=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.OPEN and ticket.assignee == agent  # no fee engaged yet
    page = client.get(response["Location"]).content.decode()
    assert 'id="start-diagnosis"' in page and 'id="claim"' not in page

    client.post(reverse("staff:tickets:start", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.DIAGNOSING and ticket.diagnosis_started_at is not None


def test_starting_the_diagnosis_goes_back_to_the_ticket_and_a_second_start_is_refused_there(customer, agent):
    ticket = incident(customer)
    client = browser(agent)
    client.post(reverse("staff:tickets:claim", args=[ticket.pk]), follow=True)  # its message shown

    answers = [client.post(reverse("staff:tickets:start", args=[ticket.pk]), follow=True) for _ in range(2)]

    workspace = reverse("staff:tickets:detail", args=[ticket.pk])
    assert [answer.redirect_chain for answer in answers] == [[(workspace, 302)]] * 2
    told = [list(answer.context["messages"]) for answer in answers]
    assert [[message.level_tag for message in messages] for messages in told] == [["success"], ["error"]]
    assert f"#{ticket.pk}" in str(told[0][0])  # the ticket the agent now diagnoses, by its number


def test_the_landing_list_holds_every_kind_waiting_for_support_and_its_kind_filter_works(customer, agent):
    incident_ticket = incident(customer)
    question = ticket_open(by=customer, kind="technical", subject="DNS?", description="How?")
    client = browser(agent)
    listed = [t.pk for t in client.get(reverse("staff:tickets:queue")).context["page"]]
    assert listed == [incident_ticket.pk, question.pk]  # the oldest first
    technical = client.get(reverse("staff:tickets:queue"), {"kind": "technical"}).context["page"]
    assert [t.pk for t in technical] == [question.pk]
    page = client.get(reverse("staff:tickets:queue")).content.decode()
    assert 'class="badge status-open"' in page  # each state has its colour, beside its name


def test_claiming_a_ticket_someone_claimed_is_a_message_not_an_error(customer, agent, other_agent):
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=other_agent)
    response = browser(agent).post(reverse("staff:tickets:claim", args=[ticket.pk]), follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    ticket.refresh_from_db()
    assert ticket.assignee == other_agent


def test_my_tickets_lists_the_agents_tickets(customer, agent, other_agent):
    mine, theirs = incident(customer), incident(customer)
    ticket_start_diagnosis(ticket=mine, by=agent)
    ticket_start_diagnosis(ticket=theirs, by=other_agent)
    page = browser(agent).get(reverse("staff:tickets:mine"))
    assert [t.pk for t in page.context["page"]] == [mine.pk]


def test_workspace_shows_internal_history_and_actions(customer, agent):
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    page = browser(agent).get(reverse("staff:tickets:detail", args=[ticket.pk])).content.decode()
    assert 'id="conclude"' in page and ticket.subject in page


def test_unknown_ticket_is_404(agent):
    assert browser(agent).get(reverse("staff:tickets:detail", args=[999999])).status_code == 404
    assert browser(agent).post(reverse("staff:tickets:claim", args=[999999])).status_code == 404


def test_answering_a_question_closes_it(customer, agent):
    question = ticket_open(by=customer, kind="commercial", subject="price?", description="How much?")
    client = browser(agent)
    assert client.post(reverse("staff:tickets:close", args=[question.pk]), {"answer": ""}).status_code == 400
    assert (
        client.post(reverse("staff:tickets:close", args=[question.pk]), {"answer": "10 EUR"}).status_code
        == 302
    )
    question.refresh_from_db()
    assert question.status == Ticket.State.CLOSED


def test_closing_an_incident_is_a_message_not_an_error(customer, agent):
    ticket = incident(customer)
    response = browser(agent).post(
        reverse("staff:tickets:close", args=[ticket.pk]), {"answer": "no"}, follow=True
    )
    assert response.status_code == 200 and list(response.context["messages"]) or response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.OPEN


@pytest.mark.parametrize("value", HOSTILE)
def test_staff_message_survives_hostile_input(customer, agent, value):
    ticket = incident(customer)
    response = browser(agent).post(reverse("staff:tickets:message", args=[ticket.pk]), {"body": value})
    assert response.status_code in (302, 400)


@pytest.mark.parametrize("rows", [1, 50])
def test_queue_queries_do_not_grow_with_rows(customer, agent, rows, django_assert_max_num_queries):
    for _ in range(rows):
        ticket_start_diagnosis(ticket=incident(customer), by=agent)
    client = browser(agent)
    for name in ("staff:tickets:queue", "staff:tickets:mine", "staff:tickets:all"):
        with django_assert_max_num_queries(9):
            assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Boîte de réception"), ("de", "Posteingang"), ("en", "Inbox")]
)
def test_list_titles_are_in_the_agents_language(agent, language, title):
    client = browser(agent)
    client.cookies["django_language"] = language
    page = client.get(reverse("staff:tickets:queue")).content.decode()
    assert f"<h1>{title}</h1>" in page or f">{title}</h1>" in page
