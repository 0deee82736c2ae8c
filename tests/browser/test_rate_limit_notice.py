"""A message form sent through htmx over its rate limit: the person sees why nothing happened.

htmx swaps 2xx answers only; templates/base.html makes it swap a 429 too, and config/ratelimit.py sends
the notice to the top of the page (HX-Retarget, HX-Reswap). Without both, the click does nothing.
"""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.portals import incident
from tickets.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_message_over_the_limit_shows_a_notice_instead_of_nothing(person, settings):
    settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, "message_post": {"user": [(1, 3600)]}}
    account = CustomerFactory(country="DE", language="de")
    customer = UserFactory(email="flood@example.de", role=Role.CUSTOMER, customer=account)
    ticket = incident(customer)
    someone = person(customer, PASSWORD, screenshots=False)
    page = someone.go(f"/customer/tickets/{ticket.pk}/")
    for body in ("first", "second"):
        page.fill("#thread textarea[name=body]", body)
        page.click("#thread button[type=submit]")
        if body == "first":
            expect(page.locator("#thread")).to_contain_text("first")
    notice = page.locator("#main > [role=alert] > .messages")
    expect(notice).to_contain_text("Zu viele Anfragen")
    expect(page.locator("#thread")).to_be_visible()  # the page stays, the notice comes on top
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == ["first"]
