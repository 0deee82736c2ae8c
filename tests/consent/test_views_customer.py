"""Customer portal: access requests granted, denied or revoked; interventions and the access log."""

import pytest
from django.urls import reverse

from consent.models import AccessRequest
from consent.services import access_request_grant, intervention_perform
from tests.portals import browser

pytestmark = pytest.mark.django_db


def test_access_page_is_the_customers_only(asked, customer, other_customer, agent):
    url = reverse("customer:consent:access", args=[asked.ticket_id])
    assert "Read the logs" in browser(customer).get(url).content.decode()
    assert browser(other_customer).get(url).status_code == 404
    assert browser(agent).get(url).status_code == 403
    assert browser(other_customer).post(reverse("customer:consent:grant", args=[asked.pk])).status_code == 404


def test_grant_then_revoke(asked, customer):
    client = browser(customer)
    client.post(reverse("customer:consent:grant", args=[asked.pk]))
    assert AccessRequest.objects.get(pk=asked.pk).status == AccessRequest.State.GRANTED
    client.post(reverse("customer:consent:revoke", args=[asked.pk]))
    assert AccessRequest.objects.get(pk=asked.pk).status == AccessRequest.State.REVOKED


def test_granting_a_denied_request_is_a_message_not_an_error(asked, customer):
    client = browser(customer)
    client.post(reverse("customer:consent:deny", args=[asked.pk]))
    response = client.post(reverse("customer:consent:grant", args=[asked.pk]), follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    assert AccessRequest.objects.get(pk=asked.pk).status == AccessRequest.State.DENIED


def test_intervention_and_log_are_shown_escaped(asked, customer, agent):
    access_request_grant(access_request=asked, by=customer)
    intervention_perform(
        ticket=asked.ticket, action="read_data", description="<img src=x onerror=alert(1)>", by=agent
    )
    page = browser(customer).get(reverse("customer:consent:access", args=[asked.ticket_id])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert 'id="access-log"' in page


def test_a_pending_access_request_waits_on_the_dashboard_and_the_ticket_page_until_decided(
    asked, customer, other_customer
):
    access_url = reverse("customer:consent:access", args=[asked.ticket_id])
    dashboard = browser(customer).get(reverse("customer:tickets:dashboard")).content.decode()
    assert 'id="decision-access_requests"' in dashboard and f'href="{access_url}"' in dashboard
    page = browser(customer).get(reverse("customer:tickets:detail", args=[asked.ticket_id])).content.decode()
    assert 'id="decision-access_requests"' in page and f'href="{access_url}"' in page
    # Another account sees nothing of it.
    other = browser(other_customer).get(reverse("customer:tickets:dashboard")).content.decode()
    assert "decision-access_requests" not in other

    access_request_grant(access_request=asked, by=customer)

    assert (
        "decision-access_requests"
        not in browser(customer).get(reverse("customer:tickets:dashboard")).content.decode()
    )
    page = browser(customer).get(reverse("customer:tickets:detail", args=[asked.ticket_id])).content.decode()
    assert "decision-access_requests" not in page
