from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import ServiceFactory
from tests.workflow import API, client_for


@pytest.fixture
def sla_service(customer_account):
    """A French customer's server under an SLA: 120.00 EUR net a month."""
    return ServiceFactory(
        customer=customer_account, name="web-01.example.net", has_sla=True, monthly_price=Decimal("120.00")
    )


@pytest.fixture
def plain_service(customer_account):
    return ServiceFactory(customer=customer_account, name="mail.example.net", has_sla=False)


def claim_payload(service, *, hours: float = 3, **overrides) -> dict:
    ended = timezone.now() - timedelta(hours=1)
    return {
        "kind": "sla_claim",
        "subject": "Server down for three hours",
        "description": "web-01 did not answer",
        "service": service.pk,
        "outage_started_at": (ended - timedelta(hours=hours)).isoformat(),
        "outage_ended_at": ended.isoformat(),
        **overrides,
    }


def open_claim(customer, service, **overrides) -> dict:
    response = client_for(customer).post(
        f"{API}/tickets/", claim_payload(service, **overrides), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def grant(agent, ticket_id, hours="3"):
    return client_for(agent).post(
        f"{API}/tickets/{ticket_id}/sla-claim/grant/", {"hours": hours}, format="json"
    )


def refuse(agent, ticket_id, reason="The outage was planned maintenance, announced a week before."):
    return client_for(agent).post(
        f"{API}/tickets/{ticket_id}/sla-claim/refuse/", {"reason": reason}, format="json"
    )
