"""Consent for work on customer data over HTTP: no access to data without a grant in force (PRIV-01, PRIV-02)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from consent.models import AccessRequest, AuditEntry, Intervention
from tests.consent.drive import access_request, act, ask, audit_log, decide, granted
from tests.workflow import API, client_for, open_incident

pytestmark = pytest.mark.django_db


def test_request_has_the_contract_shape_and_waits_for_the_customer(ticket, agent):
    body = ask(agent, ticket["id"], scope="modify_data", hours=12)
    assert {"id", "ticket", "scope", "reason", "status", "expires_at"} <= set(body)
    assert (body["ticket"], body["scope"], body["status"], body["expires_at"]) == (
        ticket["id"],
        "modify_data",
        "pending",
        None,
    )
    assert body["reason"] == "Read the web server's error log"


@pytest.mark.parametrize("action", ["read_data", "modify_data"])
def test_no_work_on_data_without_a_grant_and_the_refusal_is_logged(ticket, customer, agent, action):
    response = act(agent, ticket["id"], action)
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert not Intervention.objects.exists()
    [line] = audit_log(customer, ticket["id"])
    assert (line["event"], line["outcome"], line["action"], line["actor"]) == (
        "intervention",
        "refused",
        action,
        agent.pk,
    )


def test_a_pending_request_opens_nothing(ticket, agent):
    ask(agent, ticket["id"])
    assert act(agent, ticket["id"], "read_data").status_code == 403


def test_a_read_grant_allows_reading_but_no_change(ticket, customer, agent):
    grant = granted(customer, agent, ticket["id"], scope="read_data")
    read = act(agent, ticket["id"], "read_data")
    assert read.status_code == 201
    assert read.json()["consent"] == grant["id"]
    change = act(agent, ticket["id"], "modify_data")
    assert change.status_code == 403
    assert change.json()["code"] == "consent_required"


def test_a_modify_grant_covers_reading(ticket, customer, agent):
    grant = granted(customer, agent, ticket["id"], scope="modify_data")
    for action in ("read_data", "modify_data"):
        response = act(agent, ticket["id"], action)
        assert response.status_code == 201
        assert response.json()["consent"] == grant["id"]


def test_the_narrowest_grant_in_force_is_the_one_named(ticket, customer, agent):
    granted(customer, agent, ticket["id"], scope="modify_data")
    read_grant = granted(customer, agent, ticket["id"], scope="read_data")
    assert act(agent, ticket["id"], "read_data").json()["consent"] == read_grant["id"]


def test_a_grant_for_one_ticket_does_not_open_another(ticket, customer, agent):
    other = open_incident(customer)
    granted(customer, agent, ticket["id"], scope="modify_data")
    response = act(agent, other["id"], "read_data")
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"


def test_intervention_has_the_contract_shape(ticket, customer, agent):
    grant = granted(customer, agent, ticket["id"])
    body = act(agent, ticket["id"], "read_data", description="Read the error log").json()
    assert set(body) == {"id", "ticket", "action", "description", "agent", "performed_at", "consent"}
    assert (body["action"], body["description"], body["agent"], body["consent"]) == (
        "read_data",
        "Read the error log",
        agent.pk,
        grant["id"],
    )
    assert parse_datetime(body["performed_at"]).utcoffset() is not None


def test_a_grant_runs_from_its_grant_time_for_the_hours_asked(ticket, customer, agent):
    request = ask(agent, ticket["id"], hours=5)
    granted_at = timezone.now() + timedelta(hours=3)
    with time_machine.travel(granted_at, tick=False):
        body = decide(customer, request["id"], "grant").json()
    assert body["status"] == "granted"
    assert parse_datetime(body["expires_at"]) == granted_at + timedelta(hours=5)


def test_deny_closes_access_and_the_request_cannot_be_granted_afterwards(ticket, customer, agent):
    request = ask(agent, ticket["id"])
    denied = decide(customer, request["id"], "deny")
    assert denied.status_code == 200
    assert denied.json()["status"] == "denied"
    assert act(agent, ticket["id"], "read_data").status_code == 403
    again = decide(customer, request["id"], "grant")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_revoke_takes_effect_on_the_very_next_request(ticket, customer, agent):
    grant = granted(customer, agent, ticket["id"], scope="modify_data")
    assert act(agent, ticket["id"], "modify_data").status_code == 201
    revoked = decide(customer, grant["id"], "revoke")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    response = act(agent, ticket["id"], "read_data")
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"


@pytest.mark.parametrize("verb", ["grant", "revoke"])
def test_a_revoked_request_cannot_be_granted_or_revoked_again(ticket, customer, agent, verb):
    grant = granted(customer, agent, ticket["id"])
    decide(customer, grant["id"], "revoke")
    response = decide(customer, grant["id"], verb)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert AccessRequest.objects.get(pk=grant["id"]).status == "revoked"


def test_a_pending_request_cannot_be_revoked(ticket, customer, agent):
    request = ask(agent, ticket["id"])
    assert decide(customer, request["id"], "revoke").status_code == 409


@pytest.mark.parametrize("hours", [0, 73, -1, 1000, "abc", "", None, 10**30, [4], {"h": 4}])
def test_a_duration_outside_1_to_72_hours_is_a_400(ticket, agent, hours):
    response = access_request(agent, ticket["id"], hours=hours)
    assert response.status_code == 400
    assert "duration_hours" in response.json()
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("hours", [1, 72])
def test_durations_at_the_bounds_are_accepted(ticket, agent, hours):
    assert access_request(agent, ticket["id"], hours=hours).status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scope": "delete_data", "reason": "r", "duration_hours": 4}, "scope"),
        ({"scope": "suspend_service", "reason": "r", "duration_hours": 4}, "scope"),
        ({"scope": "", "reason": "r", "duration_hours": 4}, "scope"),
        ({"reason": "r", "duration_hours": 4}, "scope"),
        ({"scope": "read_data", "duration_hours": 4}, "reason"),
        ({"scope": "read_data", "reason": "", "duration_hours": 4}, "reason"),
        ({"scope": "read_data", "reason": "r" * 2001, "duration_hours": 4}, "reason"),
        ({"scope": "read_data", "reason": "a\x00b", "duration_hours": 4}, "reason"),
        ({"scope": ["read_data"], "reason": "r", "duration_hours": 4}, "scope"),
    ],
)
def test_bad_access_request_input_is_a_400_and_asks_nothing(ticket, agent, payload, field):
    response = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/access-requests/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "delete_everything", "description": "d"}, "action"),
        ({"action": "", "description": "d"}, "action"),
        ({"description": "d"}, "action"),
        ({"action": "read_data"}, "description"),
        ({"action": "rescue_mode", "description": ""}, "description"),
        ({"action": "rescue_mode", "description": "d" * 5001}, "description"),
        ({"action": "rescue_mode", "description": "d\x00"}, "description"),
        ({"action": {"read": True}, "description": "d"}, "action"),
    ],
)
def test_bad_intervention_input_is_a_400_and_does_nothing(ticket, agent, payload, field):
    response = client_for(agent).post(f"{API}/tickets/{ticket['id']}/interventions/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Intervention.objects.exists()
    assert not AuditEntry.objects.exists()


def test_malformed_json_is_a_400(ticket, agent):
    response = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/access-requests/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("action", ["suspend_service", "rescue_mode"])
def test_emergency_actions_need_no_consent_and_appear_in_the_customers_log(ticket, customer, agent, action):
    response = act(agent, ticket["id"], action, description="Outgoing spam flood")
    assert response.status_code == 201
    assert response.json()["consent"] is None
    [line] = audit_log(customer, ticket["id"])
    assert (line["event"], line["outcome"], line["action"], line["intervention"]) == (
        "intervention",
        "done",
        action,
        response.json()["id"],
    )
    listed = client_for(customer).get(f"{API}/tickets/{ticket['id']}/interventions/").json()["results"]
    assert [item["id"] for item in listed] == [response.json()["id"]]
    # Told on the ticket page at once: a public history event the customer reads.
    history = client_for(customer).get(f"{API}/tickets/{ticket['id']}/history/").json()["results"]
    assert history[0]["verb"] == "intervention" and history[0]["detail"]["action"] == action  # newest first


def test_the_customer_and_staff_see_every_intervention_newest_first(ticket, customer, agent, admin_user):
    granted(customer, agent, ticket["id"], scope="modify_data")
    ids = [
        act(agent, ticket["id"], action).json()["id"]
        for action in ("read_data", "rescue_mode", "modify_data")
    ]
    act(agent, ticket["id"], "read_data", description="x" * 10).json()
    for user in (customer, agent, admin_user):
        listed = client_for(user).get(f"{API}/tickets/{ticket['id']}/interventions/").json()
        assert [item["id"] for item in listed["results"]][1:] == ids[::-1]
        assert "next" in listed and "previous" in listed


def test_the_customer_and_staff_list_the_requests_newest_first(ticket, customer, agent):
    first = ask(agent, ticket["id"])
    second = ask(agent, ticket["id"], scope="modify_data")
    decide(customer, first["id"], "deny")
    for user in (customer, agent):
        listed = client_for(user).get(f"{API}/tickets/{ticket['id']}/access-requests/").json()["results"]
        assert [(item["id"], item["status"]) for item in listed] == [
            (second["id"], "pending"),
            (first["id"], "denied"),
        ]


def test_customer_of_another_account_gets_404_everywhere(ticket, customer, other_customer, agent):
    grant = granted(customer, agent, ticket["id"])
    act(agent, ticket["id"], "read_data")
    outsider = client_for(other_customer)
    for path in (
        f"tickets/{ticket['id']}/access-requests/",
        f"tickets/{ticket['id']}/interventions/",
        f"tickets/{ticket['id']}/audit-log/",
        f"tickets/{ticket['id']}/audit-log/csv/",
        f"access-requests/{grant['id']}/",
    ):
        assert outsider.get(f"{API}/{path}").status_code == 404, path
    for verb in ("grant", "deny", "revoke"):
        assert decide(other_customer, grant["id"], verb).status_code == 404
    assert outsider.get(f"{API}/audit-log/").json()["results"] == []
    assert AccessRequest.objects.get(pk=grant["id"]).status == "granted"


@pytest.mark.parametrize("role", ["agent", "admin_user", "finance"])
def test_staff_cannot_decide_for_the_customer(request, ticket, customer, agent, role):
    pending = ask(agent, ticket["id"])
    for verb in ("grant", "deny", "revoke"):
        response = decide(request.getfixturevalue(role), pending["id"], verb)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert AccessRequest.objects.get(pk=pending["id"]).status == "pending"


@pytest.mark.parametrize("role", ["customer", "finance"])
def test_only_support_staff_ask_or_act(request, ticket, role):
    user = request.getfixturevalue(role)
    assert access_request(user, ticket["id"]).status_code == 403
    response = act(user, ticket["id"], "rescue_mode")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Intervention.objects.exists()


def test_finance_reads_no_consent_data(ticket, finance):
    for path in (
        f"tickets/{ticket['id']}/access-requests/",
        f"tickets/{ticket['id']}/interventions/",
        f"tickets/{ticket['id']}/audit-log/",
        "audit-log/",
        "contact-obligations/",
    ):
        assert client_for(finance).get(f"{API}/{path}").status_code == 403, path


@pytest.mark.parametrize("pk", [999999, 10**30])
def test_unknown_ids_are_404(ticket, customer, agent, pk):
    assert decide(customer, pk, "grant").status_code == 404
    assert access_request(agent, pk).status_code == 404
    assert act(agent, pk, "rescue_mode").status_code == 404


def test_anonymous_gets_401(ticket, api):
    assert api.get(f"{API}/tickets/{ticket['id']}/access-requests/").status_code == 401
    assert api.post(f"{API}/access-requests/1/grant/").status_code == 401


def test_status_cannot_be_written_by_the_request(ticket, agent):
    response = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/access-requests/",
        {
            "scope": "read_data",
            "reason": "r",
            "duration_hours": 4,
            "status": "granted",
            "expires_at": "2099-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["expires_at"]) == ("pending", None)


def queue_flags(agent) -> dict[int, bool]:
    response = client_for(agent).get(f"{API}/tickets/queue/")
    assert response.status_code == 200
    return {item["id"]: item["contact_pending"] for item in response.json()["results"]}


def test_the_queue_flags_a_ticket_until_the_customer_has_been_reached(ticket, customer, agent):
    quiet = open_incident(customer)
    assert queue_flags(agent) == {ticket["id"]: False, quiet["id"]: False}
    request = ask(agent, ticket["id"])  # the e-mail would go after commit; here it never does
    assert queue_flags(agent) == {ticket["id"]: True, quiet["id"]: False}
    decide(customer, request["id"], "grant")  # an answer shows the customer was reached
    assert queue_flags(agent) == {ticket["id"]: False, quiet["id"]: False}
    act(agent, quiet["id"], "suspend_service")
    assert queue_flags(agent) == {ticket["id"]: False, quiet["id"]: True}
