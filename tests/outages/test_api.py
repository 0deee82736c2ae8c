import pytest
from rest_framework.test import APIClient

from billing.models import Invoice
from outages.models import ProviderIncident
from tests.outages.helpers import api_body, draft, published
from tests.workflow import API, client_for, open_incident

pytestmark = pytest.mark.django_db


def test_anonymous_callers_see_published_incidents_only(agent):
    shown = published(agent)
    draft(agent, title_en="Secret draft")
    response = APIClient().get(f"{API}/status/incidents/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [shown.pk]
    assert rows[0]["active"] is True and "services" not in rows[0]
    assert b"Secret draft" not in response.content


def test_the_fee_shown_for_an_affected_service_is_free(customer, agent, service):
    incident = published(agent)
    fee = client_for(customer).get(f"{API}/pricing/diagnosis-fee/?service={service.pk}").json()
    assert fee["free"] is True and fee["free_reason"] == "provider_incident"
    assert client_for(customer).get(f"{API}/pricing/diagnosis-fee/").json()["free"] is False
    assert incident.pk


def test_the_fee_for_another_accounts_service_is_a_400(customer, other_customer, agent):
    from tests.factories import ServiceFactory

    theirs = ServiceFactory(customer=other_customer.customer)
    response = client_for(customer).get(f"{API}/pricing/diagnosis-fee/?service={theirs.pk}")
    assert response.status_code == 400 and "service" in response.json()


def test_staff_publish_link_and_conclude_over_the_api_and_nothing_is_billed(customer, agent, service):
    staff = client_for(agent)
    created = staff.post(f"{API}/incidents/", api_body(services=[service.pk]), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["services"] == [service.pk]
    assert staff.post(f"{API}/incidents/{pk}/publish/").json()["status"] == "published"
    assert staff.post(f"{API}/incidents/{pk}/publish/").status_code == 409
    free = open_incident(customer, service=service.pk)
    assert free["diagnosis_fee"]["free_reason"] == "provider_incident"
    paid = open_incident(customer)["id"]
    linked = staff.post(f"{API}/incidents/{pk}/link-tickets/", {"tickets": [paid]}, format="json")
    assert linked.json() == {"linked": [paid]}
    done = staff.post(f"{API}/incidents/{pk}/conclude-linked/", {"findings": "Our fault."}, format="json")
    assert done.status_code == 200
    assert sorted(done.json()["concluded"]) == sorted([free["id"], paid]) and done.json()["failed"] == []
    assert not Invoice.objects.exists()
    assert client_for(customer).get(f"{API}/tickets/{paid}/").json()["provider_incident"] == pk
    assert staff.post(f"{API}/incidents/{pk}/resolve/", {}, format="json").json()["status"] == "resolved"


def test_a_draft_is_edited_whole_and_bad_input_is_a_400(agent):
    staff = client_for(agent)
    pk = staff.post(f"{API}/incidents/", api_body(), format="json").json()["id"]
    edited = staff.put(f"{API}/incidents/{pk}/", api_body(title_en="Renamed"), format="json")
    assert edited.status_code == 200 and edited.json()["title_en"] == "Renamed"
    for bad in (
        {"service_kinds": ["toaster"]},
        {"service_kinds": []},
        {"title_de": ""},
        {"starts_at": "never"},
    ):
        response = staff.put(f"{API}/incidents/{pk}/", api_body(**bad), format="json")
        assert response.status_code == 400, bad
    assert ProviderIncident.objects.get(pk=pk).title_en == "Renamed"


def test_linking_a_ticket_that_is_not_open_is_a_400(customer, agent):
    incident = published(agent)
    response = client_for(agent).post(
        f"{API}/incidents/{incident.pk}/link-tickets/", {"tickets": [987654321]}, format="json"
    )
    assert response.status_code == 400 and "tickets" in response.json()


@pytest.mark.parametrize("person", ["customer", "finance"])
def test_customers_and_finance_cannot_create_or_publish_incidents(request, person, agent):
    caller = client_for(request.getfixturevalue(person))
    assert caller.post(f"{API}/incidents/", api_body(), format="json").status_code == 403
    assert caller.post(f"{API}/incidents/{draft(agent).pk}/publish/").status_code == 403
    assert caller.get(f"{API}/incidents/").status_code == 403
    assert ProviderIncident.objects.filter(status="draft").count() == 1


def test_anonymous_callers_cannot_reach_the_staff_endpoints(agent):
    assert APIClient().get(f"{API}/incidents/").status_code == 401
    assert APIClient().post(f"{API}/incidents/{draft(agent).pk}/publish/").status_code == 401


def test_the_lists_read_a_bounded_number_of_queries(agent, django_assert_max_num_queries):
    for _ in range(30):
        published(agent)
    with django_assert_max_num_queries(3):
        assert len(APIClient().get(f"{API}/status/incidents/").json()["results"]) == 25
    with django_assert_max_num_queries(8):
        assert len(client_for(agent).get(f"{API}/incidents/").json()["results"]) == 25
