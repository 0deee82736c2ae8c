"""Staff portal: asking the customer for access to data and recording interventions."""

import pytest
from django.urls import reverse

from tests.portals import HOSTILE, browser

pytestmark = pytest.mark.django_db


def test_access_page_is_for_support_only(diagnosing, customer, finance, agent):
    url = reverse("staff:consent:access", args=[diagnosing.pk])
    assert browser(agent).get(url).status_code == 200
    assert browser(customer).get(url).status_code == 403
    assert browser(finance).get(url).status_code == 403


def test_reading_data_without_a_grant_is_refused_with_a_message(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:consent:intervene", args=[diagnosing.pk]),
        {"action": "read_data", "description": "peek"},
    )
    assert response.status_code == 400
    assert list(response.context["messages"])
    assert not diagnosing.interventions.exists()


def test_asking_for_access(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:consent:request_access", args=[diagnosing.pk]),
        {"scope": "read_data", "reason": "logs", "duration_hours": "3"},
    )
    assert response.status_code == 302
    assert diagnosing.access_requests.get().duration_hours == 3


@pytest.mark.parametrize("value", HOSTILE)
def test_consent_forms_survive_hostile_input(diagnosing, agent, value):
    client = browser(agent)
    for name, data in (
        ("staff:consent:request_access", {"scope": value, "reason": value, "duration_hours": value}),
        ("staff:consent:intervene", {"action": value, "description": value}),
    ):
        assert client.post(reverse(name, args=[diagnosing.pk]), data).status_code == 400
