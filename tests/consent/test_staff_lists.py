"""Every staff list shows what the queue shows: a ticket whose customer is owed a contact says so."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from consent.selectors import ticket_contact_pending
from tests.consent.drive import ask, decide
from tests.portals import browser
from tests.workflow import API, client_for, open_incident, start
from tickets.selectors import staff_list_flag

pytestmark = pytest.mark.django_db

STAFF_LISTS = ["staff:tickets:queue", "staff:tickets:mine", "staff:tickets:all"]


def rows(agent, name) -> dict[int, str]:
    page = browser(agent).get(reverse(name)).content.decode()
    return {int(pk): row for pk, row in re.findall(r'<tr id="ticket-(\d+)">(.*?)</tr>', page)}


def test_every_staff_list_shows_the_contact_owed_until_the_customer_is_reached(customer, agent):
    owed, quiet = open_incident(customer), open_incident(customer)
    for ticket in (owed, quiet):
        start(agent, ticket["id"])  # under diagnosis by the agent: in the queue, "mine" and "all"
    request = ask(agent, owed["id"])  # its e-mail would go after commit: here it never does
    for name in STAFF_LISTS:
        shown = rows(agent, name)
        assert "contact owed" in shown[owed["id"]] and "contact owed" not in shown[quiet["id"]], name
    queue = client_for(agent).get(f"{API}/tickets/queue/").json()["results"]
    assert {item["id"]: item["contact_pending"] for item in queue} == {owed["id"]: True, quiet["id"]: False}

    decide(customer, request["id"], "grant")  # an answer shows the customer was reached
    for name in STAFF_LISTS:
        assert "contact owed" not in "".join(rows(agent, name).values()), name


def test_the_badge_follows_the_language(customer, agent):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    ask(agent, ticket["id"])
    with translation.override("fr"):
        client = browser(agent)
        client.cookies["django_language"] = "fr"
        assert "contact dû au client" in client.get(reverse("staff:tickets:all")).content.decode()


def test_a_fact_is_shown_once_on_the_staff_lists():
    with pytest.raises(ValueError, match="contact_pending"):
        staff_list_flag("contact_pending", ticket_contact_pending, label="again", help_text="again")
