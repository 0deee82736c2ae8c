"""Drive the incident workflow over HTTP the way a customer, an agent and finance would."""

from rest_framework.test import APIClient

API = "/api/v1"
# The diagnosis fee of a French account as the contract shows it: 20.00 net, French VAT.
FRENCH_FEE = {
    "currency": "EUR",
    "net": "20.00",
    "vat_rate": "20.00",
    "vat": "4.00",
    "gross": "24.00",
    "free": False,
    "free_reason": None,
    "vat_category": "S",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def open_incident(customer, **overrides) -> dict:
    payload = {
        "kind": "incident",
        "subject": "Server down",
        "description": "No ping since 3am",
        "accept_diagnosis_fee": True,
        **overrides,
    }
    response = client_for(customer).post(f"{API}/tickets/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def start(agent, ticket_id) -> dict:
    response = client_for(agent).post(f"{API}/tickets/{ticket_id}/start-diagnosis/")
    assert response.status_code == 200, response.content
    return response.json()


QUOTE = {
    "lines": [
        {"description": "Replace disk", "quantity": "2", "unit_price": "49.95"},
        {"description": "Labour", "quantity": "1.5", "unit_price": "60.00"},
    ]
}


def conclude(agent, ticket_id, outcome, quote=None) -> dict:
    payload = {"findings": "RAID degraded", "outcome": outcome}
    if quote is not None:
        payload["quote"] = quote
    response = client_for(agent).post(
        f"{API}/tickets/{ticket_id}/conclude-diagnosis/", payload, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def diagnosed(customer, agent, outcome, **open_overrides) -> dict:
    ticket = open_incident(customer, **open_overrides)
    start(agent, ticket["id"])
    return conclude(agent, ticket["id"], outcome, QUOTE if outcome == "quoted" else None)


def invoice(user, invoice_id) -> dict:
    response = client_for(user).get(f"{API}/invoices/{invoice_id}/")
    assert response.status_code == 200, response.content
    return response.json()
