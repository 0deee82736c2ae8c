"""Drive the consent scheme over HTTP the way an agent and a customer would."""

from tests.workflow import API, client_for


def access_request(agent, ticket_id, scope="read_data", hours=4, reason="Read the web server's error log"):
    return client_for(agent).post(
        f"{API}/tickets/{ticket_id}/access-requests/",
        {"scope": scope, "reason": reason, "duration_hours": hours},
        format="json",
    )


def ask(agent, ticket_id, scope="read_data", hours=4) -> dict:
    response = access_request(agent, ticket_id, scope, hours)
    assert response.status_code == 201, response.content
    return response.json()


def decide(user, request_id, verb):
    return client_for(user).post(f"{API}/access-requests/{request_id}/{verb}/")


def granted(customer, agent, ticket_id, scope="read_data", hours=4) -> dict:
    response = decide(customer, ask(agent, ticket_id, scope, hours)["id"], "grant")
    assert response.status_code == 200, response.content
    return response.json()


def act(agent, ticket_id, action, description="Looked at /var/log/nginx/error.log"):
    return client_for(agent).post(
        f"{API}/tickets/{ticket_id}/interventions/",
        {"action": action, "description": description},
        format="json",
    )


def audit_log(user, ticket_id) -> list[dict]:
    response = client_for(user).get(f"{API}/tickets/{ticket_id}/audit-log/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def technical_ticket(customer) -> dict:
    """A question ticket: carries no fee, so it needs no seeded prices (transactional tests flush them)."""
    response = client_for(customer).post(
        f"{API}/tickets/",
        {"kind": "technical", "subject": "Mail bounces", "description": "Since noon"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()
