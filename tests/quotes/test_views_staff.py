"""Staff portal: reporting the quoted work as complete."""

import pytest
from django.urls import reverse

from quotes.services import quote_accept
from tests.portals import HOSTILE, browser, quoted
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_complete_page_is_for_support_only(customer, agent, finance):
    ticket = quoted(customer, agent)
    url = reverse("staff:quotes:complete", args=[ticket.pk])
    assert browser(agent).get(url).status_code == 200
    assert browser(customer).get(url).status_code == 403
    assert browser(finance).get(url).status_code == 403


def test_completing_before_acceptance_is_a_readable_error(customer, agent):
    ticket = quoted(customer, agent)
    response = browser(agent).post(
        reverse("staff:quotes:complete", args=[ticket.pk]), {"report": "done"}, follow=True
    )
    assert response.status_code in (200, 400)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.QUOTE_SENT


@pytest.mark.parametrize("value", HOSTILE)
def test_completing_survives_hostile_input(customer, agent, value):
    ticket = quoted(customer, agent)
    quote_accept(quote=ticket.quote, by=customer)
    response = browser(agent).post(reverse("staff:quotes:complete", args=[ticket.pk]), {"report": value})
    assert response.status_code in (302, 400)
