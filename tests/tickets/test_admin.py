"""The ticket admin corrects wording only: nothing that decides what a ticket costs."""

import re

import pytest
from django.urls import reverse

from tests.workflow import open_incident
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_admin_cannot_change_the_customers_claim_of_a_provider_fault(client, admin_user, customer):
    ticket = Ticket.objects.get(pk=open_incident(customer)["id"])
    client.force_login(admin_user)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    form = client.get(url).content.decode()
    assert 'name="suspected_provider_fault"' not in form
    # The inlines' management forms, as the browser would send them back.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    response = client.post(
        url,
        {
            **hidden,
            "subject": "Corrected subject",
            "description": ticket.description,
            "suspected_provider_fault": "on",
        },
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.suspected_provider_fault) == ("Corrected subject", False)
