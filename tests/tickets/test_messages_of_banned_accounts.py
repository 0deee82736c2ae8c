"""Red team, issue 15: a banned account could still post messages on its ended tickets.

A banned account's users may write only in its running incidents (diagnosing, quote sent, in work: they
run to their end); anywhere else, API and portal alike answer 403 `support_banned` and store nothing.
Staff still write to any ticket, and the account still reads its threads.
"""

import pytest
from django.urls import reverse

from billing.services import invoice_refuse
from tests.billing.conftest import issue_invoice
from tests.factories import UserFactory
from tests.portals import browser
from tests.workflow import API, client_for, diagnosed, open_incident, start
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def ban(customer):
    """Refuse an invoice; no task runs: the ban holds from the refusal on."""
    invoice_refuse(invoice=issue_invoice(customer.customer), reason="No", by=customer)


def ended(customer, agent, how) -> int:
    if how == "cancelled":
        ticket = open_incident(customer)
        assert client_for(customer).post(f"{API}/tickets/{ticket['id']}/cancel/").status_code == 200
        return ticket["id"]
    if how == "answered":
        ticket = (
            client_for(customer)
            .post(f"{API}/tickets/", {"kind": "technical", "subject": "s", "description": "d"}, format="json")
            .json()
        )
        client_for(agent).post(f"{API}/tickets/{ticket['id']}/close/", {"answer": "a"}, format="json")
        return ticket["id"]
    return diagnosed(customer, agent, how)["id"]  # fixed → resolved, no_quote → closed


def banned_after_it_ended(customer, agent, how) -> int:
    """A ticket of the account ended `how`, then the account banned: the ticket's id."""
    ticket_id = ended(customer, agent, how)
    ban(customer)
    return ticket_id


def running(customer, agent, state) -> int:
    if state == "diagnosing":
        ticket = open_incident(customer)
        start(agent, ticket["id"])
        return ticket["id"]
    ticket = diagnosed(customer, agent, "quoted")
    if state == "in_work":
        accepted = client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/accept/")
        assert accepted.status_code == 200
    return ticket["id"]


def post_api(user, ticket_id, body="Hello?"):
    return client_for(user).post(f"{API}/tickets/{ticket_id}/messages/", {"body": body}, format="json")


def post_portal(user, ticket_id, body="Hello?"):
    return browser(user).post(reverse("customer:tickets:message", args=[ticket_id]), {"body": body})


ENDED = ["cancelled", "answered", "fixed", "no_quote"]
RUNNING = ["diagnosing", "quote_sent", "in_work"]


@pytest.mark.parametrize("how", ENDED)
def test_a_banned_account_cannot_write_on_its_ended_tickets_through_the_api(how, customer, agent):
    ticket_id = banned_after_it_ended(customer, agent, how)

    response = post_api(customer, ticket_id)

    assert response.status_code == 403
    assert response.json()["code"] == "support_banned"
    assert not Message.objects.filter(ticket_id=ticket_id).exists()


@pytest.mark.parametrize("how", ENDED)
def test_a_banned_account_cannot_write_on_its_ended_tickets_in_the_portal(how, customer, agent):
    ticket_id = banned_after_it_ended(customer, agent, how)

    response = post_portal(customer, ticket_id)

    assert response.status_code == 403
    assert not Message.objects.filter(ticket_id=ticket_id).exists()


def test_every_user_of_the_banned_account_is_refused(customer, agent):
    colleague = UserFactory(email="compta@example.fr", role="customer", customer=customer.customer)
    ticket_id = banned_after_it_ended(customer, agent, "fixed")

    assert post_api(colleague, ticket_id).status_code == 403
    assert post_portal(colleague, ticket_id).status_code == 403


def test_an_open_ticket_the_ban_task_has_not_cancelled_yet_takes_no_message(customer):
    ticket_id = open_incident(customer)["id"]
    ban(customer)  # the task that cancels it has not run
    assert Ticket.objects.get(pk=ticket_id).status == "open"

    assert post_api(customer, ticket_id).status_code == 403
    assert post_portal(customer, ticket_id).status_code == 403


@pytest.mark.parametrize("state", RUNNING)
def test_a_banned_account_still_replies_inside_its_running_incidents(state, customer, agent):
    ticket_id = running(customer, agent, state)
    ban(customer)
    assert Ticket.objects.get(pk=ticket_id).status == state

    assert post_api(customer, ticket_id, "API reply").status_code == 201
    assert post_portal(customer, ticket_id, "Portal reply").status_code == 302
    assert Message.objects.filter(ticket_id=ticket_id).count() == 2


def test_staff_still_write_and_the_banned_account_still_reads(customer, agent):
    ticket_id = banned_after_it_ended(customer, agent, "fixed")

    assert post_api(agent, ticket_id, "We are still here").status_code == 201
    thread = client_for(customer).get(f"{API}/tickets/{ticket_id}/messages/")
    assert thread.status_code == 200
    assert [m["body"] for m in thread.json()["results"]] == ["We are still here"]


def test_an_account_not_banned_writes_on_its_ended_tickets(customer, agent):
    ticket_id = ended(customer, agent, "fixed")

    assert post_api(customer, ticket_id).status_code == 201
    assert post_portal(customer, ticket_id).status_code == 302


def test_the_page_of_an_ended_ticket_offers_a_banned_account_no_message_form(customer, agent):
    ended_id = ended(customer, agent, "fixed")
    running_id = running(customer, agent, "diagnosing")
    ban(customer)

    client = browser(customer)
    assert not client.get(reverse("customer:tickets:detail", args=[ended_id])).context["may_write"]
    assert client.get(reverse("customer:tickets:detail", args=[running_id])).context["may_write"]
