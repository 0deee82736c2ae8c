"""Grants end by themselves: when their time runs out, and when their ticket ends (PRIV-02)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from consent.models import AccessRequest, AuditEntry
from consent.services import access_requests_expire_due
from tests.consent.drive import act, ask, audit_log, decide, granted
from tests.workflow import API, QUOTE, client_for, conclude, open_incident
from tickets.services import tickets_cancel_for_bans

pytestmark = pytest.mark.django_db


def statuses(user, ticket_id) -> list[str]:
    listed = client_for(user).get(f"{API}/tickets/{ticket_id}/access-requests/").json()["results"]
    return [item["status"] for item in listed]


def test_access_closes_the_moment_the_grant_runs_out_even_before_the_sweep(ticket, customer, agent):
    start_at = timezone.now()
    with time_machine.travel(start_at, tick=False):
        grant = granted(customer, agent, ticket["id"], hours=2)
    with time_machine.travel(start_at + timedelta(hours=2) - timedelta(seconds=1), tick=False):
        assert act(agent, ticket["id"], "read_data").status_code == 201
    with time_machine.travel(start_at + timedelta(hours=2), tick=False):
        response = act(agent, ticket["id"], "read_data")
        assert response.status_code == 403
        assert response.json()["code"] == "consent_required"
        assert statuses(customer, ticket["id"]) == ["expired"]
        assert decide(customer, grant["id"], "revoke").status_code == 409
    assert AccessRequest.objects.get(pk=grant["id"]).status == "granted"  # the sweep has not run yet


def test_the_sweep_marks_grants_past_their_end_expired_once(ticket, customer, agent):
    start_at = timezone.now()
    with time_machine.travel(start_at, tick=False):
        short = granted(customer, agent, ticket["id"], hours=1)
        long = granted(customer, agent, ticket["id"], scope="modify_data", hours=3)
        pending = ask(agent, ticket["id"])
    with time_machine.travel(start_at + timedelta(hours=1, minutes=5), tick=False):
        assert access_requests_expire_due() == 1
        assert access_requests_expire_due() == 0
    assert AccessRequest.objects.get(pk=short["id"]).status == "expired"
    assert AccessRequest.objects.get(pk=short["id"]).ended_at == start_at + timedelta(hours=1)
    assert AccessRequest.objects.get(pk=long["id"]).status == "granted"
    assert AccessRequest.objects.get(pk=pending["id"]).status == "pending"
    expiry = [line for line in audit_log(customer, ticket["id"]) if line["event"] == "access_expired"]
    assert [
        (line["access_request"], line["actor"], line["actor_role"], line["detail"]) for line in expiry
    ] == [(short["id"], None, "system", "time_ran_out")]


def test_an_expired_grant_cannot_be_granted_again(ticket, customer, agent):
    start_at = timezone.now()
    with time_machine.travel(start_at, tick=False):
        grant = granted(customer, agent, ticket["id"], hours=1)
    with time_machine.travel(start_at + timedelta(hours=2), tick=False):
        access_requests_expire_due()
        response = decide(customer, grant["id"], "grant")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("outcome", ["fixed", "no_competence"])
def test_grants_end_when_the_ticket_is_resolved_or_closed(
    ticket, customer, agent, outcome, django_capture_on_commit_callbacks
):
    grant = granted(customer, agent, ticket["id"], scope="modify_data", hours=72)
    pending = ask(agent, ticket["id"])
    with django_capture_on_commit_callbacks(execute=True):
        conclude(agent, ticket["id"], outcome)
    response = act(agent, ticket["id"], "read_data")
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    # The receiver ended them right after the ticket's commit, without waiting for the sweep.
    assert AccessRequest.objects.get(pk=grant["id"]).status == "expired"
    assert AccessRequest.objects.get(pk=pending["id"]).status == "expired"
    assert access_requests_expire_due() == 0
    assert AuditEntry.objects.filter(event="access_expired", detail="ticket_ended").count() == 2


def test_an_ended_ticket_closes_access_even_if_nothing_has_marked_its_grants(ticket, customer, agent):
    grant = granted(customer, agent, ticket["id"], hours=72)
    conclude(agent, ticket["id"], "no_quote")  # after-commit callbacks never run in this test
    assert AccessRequest.objects.get(pk=grant["id"]).status == "granted"
    assert act(agent, ticket["id"], "read_data").status_code == 403
    assert statuses(customer, ticket["id"]) == ["expired"]
    assert access_requests_expire_due() == 1
    assert AccessRequest.objects.get(pk=grant["id"]).status == "expired"


def test_grants_end_when_the_ticket_is_cancelled(customer, agent, django_capture_on_commit_callbacks):
    ticket = open_incident(customer)
    pending = ask(agent, ticket["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(customer).post(f"{API}/tickets/{ticket['id']}/cancel/").status_code == 200
    assert AccessRequest.objects.get(pk=pending["id"]).status == "expired"
    assert decide(customer, pending["id"], "grant").status_code == 409


def test_a_quoted_conclusion_ends_no_ticket_and_its_grants_stay_in_force(
    ticket, customer, agent, django_capture_on_commit_callbacks
):
    grant = granted(customer, agent, ticket["id"], hours=72)
    with django_capture_on_commit_callbacks(execute=True):
        conclude(agent, ticket["id"], "quoted", QUOTE)
    assert AccessRequest.objects.get(pk=grant["id"]).status == "granted"
    assert act(agent, ticket["id"], "read_data").status_code == 201


def test_grants_end_when_the_quote_is_declined(ticket, customer, agent, django_capture_on_commit_callbacks):
    quote = conclude(agent, ticket["id"], "quoted", QUOTE)["quote"]
    grant = granted(customer, agent, ticket["id"], hours=72)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(customer).post(f"{API}/quotes/{quote['id']}/decline/").status_code == 200
    assert AccessRequest.objects.get(pk=grant["id"]).status == "expired"


def test_a_ban_chunk_ends_the_consent_of_all_its_tickets_after_one_commit(
    customer, agent, django_capture_on_commit_callbacks
):
    tickets = [open_incident(customer)["id"] for _ in range(3)]
    pending = [ask(agent, ticket_id) for ticket_id in tickets]
    with django_capture_on_commit_callbacks() as callbacks:
        assert tickets_cancel_for_bans(customer_ids=[customer.customer_id]) == 3
    # One callback after the commit for the whole chunk, whatever its size.
    assert len(callbacks) == 1
    callbacks[0]()
    assert {AccessRequest.objects.get(pk=item["id"]).status for item in pending} == {"expired"}
    assert AuditEntry.objects.filter(event="access_expired", detail="ticket_ended").count() == 3


def test_nothing_can_be_asked_or_done_on_an_ended_ticket(ticket, customer, agent):
    conclude(agent, ticket["id"], "fixed")
    response = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/access-requests/",
        {"scope": "read_data", "reason": "r", "duration_hours": 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert act(agent, ticket["id"], "rescue_mode").status_code == 409


def test_a_failure_to_end_consent_never_fails_the_ticket_that_ended(
    customer, agent, django_capture_on_commit_callbacks, monkeypatch
):
    ticket = open_incident(customer)
    pending = ask(agent, ticket["id"])

    def broken(**kwargs):
        raise RuntimeError("consent store unavailable")

    monkeypatch.setattr("consent.receivers.access_requests_end_with_tickets", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(customer).post(f"{API}/tickets/{ticket['id']}/cancel/").status_code == 200
    # Left for the hourly sweep; meanwhile the ended ticket itself closes access.
    assert AccessRequest.objects.get(pk=pending["id"]).status == "pending"
    assert access_requests_expire_due(now=timezone.now()) == 1
