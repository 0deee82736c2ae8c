"""Staff portal: concluding a diagnosis, with each outcome's cost shown and a quote-line editor."""

import pytest
from django.urls import reverse

from tests.portals import HOSTILE, browser
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MANAGEMENT = {
    "lines-TOTAL_FORMS": "3",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "100",
}


def test_conclude_page_is_for_support_only(diagnosing, customer, finance, agent):
    url = reverse("staff:diagnostics:conclude", args=[diagnosing.pk])
    page = browser(agent).get(url)
    assert page.status_code == 200 and b"quote-lines.js" in page.content and b"<script>" not in page.content
    assert browser(customer).get(url).status_code == 403
    assert browser(finance).get(url).status_code == 403


def test_concluding_with_a_quote(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:diagnostics:conclude", args=[diagnosing.pk]),
        {
            **MANAGEMENT,
            "findings": "Disk",
            "outcome": "quoted",
            "valid_days": "10",
            "lines-0-description": "Disk",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "49.95",
        },
    )
    assert response.status_code == 302
    diagnosing.refresh_from_db()
    assert diagnosing.status == Ticket.State.QUOTE_SENT and str(diagnosing.quote.net) == "99.90"


def test_quoted_without_lines_is_a_readable_error(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:diagnostics:conclude", args=[diagnosing.pk]),
        {**MANAGEMENT, "findings": "Disk", "outcome": "quoted"},
    )
    assert response.status_code == 400 and b"errorlist" in response.content


def test_half_typed_lines_do_not_block_another_outcome(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:diagnostics:conclude", args=[diagnosing.pk]),
        {**MANAGEMENT, "findings": "Fixed", "outcome": "fixed", "lines-0-description": "half"},
    )
    assert response.status_code == 302
    diagnosing.refresh_from_db()
    assert diagnosing.status == Ticket.State.RESOLVED


def test_concluding_twice_is_a_message_not_an_error(diagnosing, agent):
    url = reverse("staff:diagnostics:conclude", args=[diagnosing.pk])
    browser(agent).post(url, {**MANAGEMENT, "findings": "x", "outcome": "no_quote"})
    response = browser(agent).post(url, {**MANAGEMENT, "findings": "x", "outcome": "no_quote"})
    assert response.status_code == 400


@pytest.mark.parametrize("value", HOSTILE)
def test_conclude_form_survives_hostile_input(diagnosing, agent, value):
    response = browser(agent).post(
        reverse("staff:diagnostics:conclude", args=[diagnosing.pk]),
        {
            "lines-TOTAL_FORMS": value,
            "lines-INITIAL_FORMS": value,
            "findings": value,
            "outcome": "quoted",
            "valid_days": value,
            "lines-0-description": value,
            "lines-0-quantity": value,
            "lines-0-unit_price": value,
        },
    )
    assert response.status_code == 400
