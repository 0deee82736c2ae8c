import pytest

from outages.models import ProviderIncident
from tests.outages.helpers import TEXTS, draft, published
from tests.portals import browser
from tests.workflow import open_incident, start

pytestmark = pytest.mark.django_db


def test_the_status_page_needs_no_login_and_shows_only_published_incidents(agent):
    published(agent)
    draft(agent, title_en="Secret draft")
    response = browser(None).get("/status/")
    assert response.status_code == 200
    assert TEXTS["title_en"].encode() in response.content
    assert b"Secret draft" not in response.content


def test_the_status_page_is_in_the_readers_language(agent):
    published(agent)
    response = browser(None).get("/status/", HTTP_ACCEPT_LANGUAGE="de")
    assert TEXTS["title_de"].encode() in response.content


def test_the_open_page_shows_the_free_fee_for_an_affected_service(customer, agent, service):
    published(agent)
    page = browser(customer).get(f"/customer/tickets/new/?service={service.pk}")
    assert b'id="fee-free-incident"' in page.content
    assert b'id="known-incident"' in browser(customer).get("/customer/tickets/new/").content


def test_the_customer_ticket_page_shows_the_incident(customer, agent, service):
    published(agent)
    ticket = open_incident(customer, service=service.pk)
    page = browser(customer).get(f"/customer/tickets/{ticket['id']}/")
    assert b'id="ticket-provider-incident"' in page.content
    assert TEXTS["title_fr"] in page.content.decode()  # the customer reads French


def test_staff_create_publish_link_and_conclude_in_the_portal(customer, agent):
    staff = browser(agent)
    form = {
        **TEXTS,
        "service_kinds": ["dedicated_server"],
        "starts_at": "2026-01-01T08:00",
        "service_ids": "",
    }
    response = staff.post("/staff/incidents/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = ProviderIncident.objects.get()
    assert staff.post(f"/staff/incidents/{incident.pk}/publish/").status_code == 302
    ticket = open_incident(customer)["id"]
    start(agent, ticket)
    assert (
        staff.post(f"/staff/incidents/{incident.pk}/link/", {"ticket_ids": f"#{ticket}"}).status_code == 302
    )
    assert staff.post(f"/staff/incidents/{incident.pk}/conclude/", {"findings": "Ours."}).status_code == 302
    page = staff.get(f"/staff/incidents/{incident.pk}/")
    assert page.status_code == 200 and f'href="/staff/tickets/{ticket}/"'.encode() in page.content


def test_bad_input_on_the_staff_pages_is_a_400(agent):
    incident = published(agent)
    staff = browser(agent)
    assert staff.post("/staff/incidents/new/", {"title_en": "x"}).status_code == 400
    assert staff.post(f"/staff/incidents/{incident.pk}/link/", {"ticket_ids": "abc"}).status_code == 400
    assert staff.post(f"/staff/incidents/{incident.pk}/link/", {"ticket_ids": "987654321"}).status_code == 400


@pytest.mark.parametrize("person", ["customer", "finance"])
def test_only_support_staff_reach_the_staff_pages(request, person):
    assert browser(request.getfixturevalue(person)).get("/staff/incidents/").status_code in (302, 403)


def test_the_lists_read_a_bounded_number_of_queries(agent, django_assert_max_num_queries):
    for _ in range(30):
        published(agent)
    with django_assert_max_num_queries(6):
        assert browser(None).get("/status/").status_code == 200
    staff = browser(agent)
    staff.get("/staff/incidents/")
    with django_assert_max_num_queries(15):
        assert staff.get("/staff/incidents/").status_code == 200
