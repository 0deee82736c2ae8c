"""The staff menu's counts (issue 18): the Inbox and the tickets waiting for me, one query, on every staff page
and from GET /api/v1/staff/counters/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import user_email_notices_set
from consent.services import access_request_grant
from quotes.services import quote_accept
from tests.portals import browser, incident, quoted
from tickets.models import Ticket
from tickets.selectors import staff_counters
from tickets.services import message_post, ticket_claim, ticket_close, ticket_note_add

pytestmark = pytest.mark.django_db
API = "/api/v1/staff/counters/"


def test_the_inbox_counts_what_the_inbox_lists(customer, agent):
    incident(customer)
    incident(customer, kind="technical", accept_diagnosis_fee=False)
    answered = incident(customer, kind="commercial", accept_diagnosis_fee=False)
    ticket_close(ticket=answered, answer="Yes", by=agent)
    quoted(customer, agent)  # a quote sent waits for the customer, not for us
    assert staff_counters(user=agent)["inbox"] == 2


def test_a_customers_reply_waits_for_the_assignee_until_a_staff_member_acts(customer, agent, other_agent):
    ticket = incident(customer)
    ticket_claim(ticket=ticket, by=agent)  # claiming is acting: nothing waits for the agent
    assert staff_counters(user=agent)["mine_waiting"] == 0
    message_post(ticket=ticket, author=customer, body="Any news?")
    assert staff_counters(user=agent)["mine_waiting"] == 1
    assert staff_counters(user=other_agent)["mine_waiting"] == 0  # not theirs
    ticket_note_add(ticket=ticket, author=agent, body="Seen")
    assert staff_counters(user=agent)["mine_waiting"] == 0
    message_post(ticket=ticket, author=customer, body="Hello?")
    message_post(ticket=ticket, author=agent, body="On it")
    assert staff_counters(user=agent)["mine_waiting"] == 0


def test_access_granted_and_a_quote_accepted_wait_for_the_assignee(customer, agent, asked):
    access_request_grant(access_request=asked, by=customer)
    assert staff_counters(user=agent)["mine_waiting"] == 1
    other = quoted(customer, agent)
    quote_accept(quote=other.quote, by=customer)
    assert staff_counters(user=agent)["mine_waiting"] == 2
    assert Ticket.objects.get(pk=other.pk).waiting_since is not None


def test_the_counts_take_one_query(customer, agent, django_assert_num_queries):
    for _ in range(3):
        ticket = incident(customer)
        ticket_claim(ticket=ticket, by=agent)
        message_post(ticket=ticket, author=customer, body="Hi")
    with django_assert_num_queries(1):
        assert staff_counters(user=agent) == {"inbox": 3, "mine_waiting": 3}


def test_the_staff_menu_shows_the_counts_as_text_with_their_meaning(customer, agent):
    ticket = incident(customer)
    ticket_claim(ticket=ticket, by=agent)
    message_post(ticket=ticket, author=customer, body="Hi")
    incident(customer)
    page = browser(agent).get(reverse("staff:tickets:all")).content.decode()
    assert 'aria-label="Inbox: 2 tickets waiting for support">Inbox <span class="count">2</span></a>' in page
    # The number leads to what it counts: my tickets waiting for an answer.
    assert (
        '<a href="/staff/mine/?waiting=on" aria-label="My tickets: 1 ticket waiting for you">My tickets '
        '<span class="count">1</span></a>' in page
    )


def test_my_tickets_waiting_for_an_answer_are_what_the_count_counts(customer, agent):
    waiting, answered = incident(customer), incident(customer)
    for ticket in (waiting, answered):
        ticket_claim(ticket=ticket, by=agent)
        message_post(ticket=ticket, author=customer, body="Any news?")
    message_post(ticket=answered, author=agent, body="On it")
    page = browser(agent).get(reverse("staff:tickets:mine"), {"waiting": "on"}).content.decode()
    assert f'id="ticket-{waiting.pk}"' in page
    assert f'id="ticket-{answered.pk}"' not in page
    assert staff_counters(user=agent)["mine_waiting"] == 1


def test_the_api_lists_the_tickets_waiting_for_staff(customer, agent, api):
    waiting, answered = incident(customer), incident(customer)
    message_post(ticket=waiting, author=customer, body="Any news?")
    ticket_claim(ticket=answered, by=agent)
    found = api.as_user(agent).get("/api/v1/tickets/", {"waiting": "true"}).json()["results"]
    assert [row["id"] for row in found] == [waiting.pk]
    assert api.get("/api/v1/tickets/", {"waiting": "maybe"}).status_code == 400


def test_a_count_of_zero_links_to_the_whole_list(customer, agent):
    page = browser(agent).get(reverse("staff:tickets:all")).content.decode()
    assert '<a href="/staff/mine/" aria-label="My tickets: 0 tickets waiting for you">' in page


def test_the_counts_are_read_once_per_page(customer, agent):
    incident(customer)
    client = browser(agent)
    client.get(reverse("staff:tickets:all"))  # the session and caches warmed
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("staff:tickets:all"))
    counting = [
        query
        for query in queries.captured_queries
        if "COUNT(" in query["sql"] and "waiting_since" in query["sql"]
    ]
    assert len(counting) == 1


def test_the_customer_menu_has_no_counts(customer):
    page = browser(customer).get(reverse("customer:tickets:list")).content.decode()
    assert 'class="count"' not in page


def test_the_api_gives_the_same_counts_to_support_staff(customer, agent, admin_user, api):
    ticket = incident(customer)
    ticket_claim(ticket=ticket, by=agent)
    message_post(ticket=ticket, author=customer, body="Hi")
    assert api.as_user(agent).get(API).json() == {"inbox": 1, "mine_waiting": 1}
    assert api.as_user(admin_user).get(API).json() == {"inbox": 1, "mine_waiting": 0}


def test_customers_and_finance_may_not_read_the_counts(customer, finance, api):
    assert api.get(API).status_code == 401
    for user in (customer, finance):
        response = api.as_user(user).get(API)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_staff_member_switches_notices_off_on_the_notices_page(agent, customer):
    client = browser(agent)
    url = reverse("account_notices")
    assert 'name="email_notices"' in client.get(url).content.decode()
    response = client.post(url, {})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.email_notices is False
    client.post(url, {"email_notices": "on"})
    agent.refresh_from_db()
    assert agent.email_notices is True
    assert browser(customer).get(url).status_code == 403


def test_notices_are_on_by_default(agent):
    assert agent.email_notices is True
    user_email_notices_set(user=agent, on=False)
    agent.refresh_from_db()
    assert agent.email_notices is False
