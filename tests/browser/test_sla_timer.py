"""The agents' inbox shows each ticket's response timer, in words and in colour, in French, German and
English: the late ticket first (issue 16)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PASSWORD
from tests.portals import incident
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": ("Time left", "late by 35 min", "2 h 10 min left"),
    "fr": ("Temps restant", "en retard de 35 min", "reste 2 h 10 min"),
    "de": ("Restzeit", "35 Min. überfällig", "noch 2 Std. 10 Min."),
}


@pytest.mark.parametrize("language", WORDS)
def test_the_inbox_shows_the_timer_latest_first(person, customer, agent, language):
    waiting, late = incident(customer, subject="Waiting"), incident(customer, subject="Late")
    now = timezone.now()
    for ticket, due in (
        (waiting, now + timedelta(hours=2, minutes=10, seconds=40)),
        (late, now - timedelta(minutes=35, seconds=20)),
    ):
        Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=due, sla_next_due_at=due)
    someone = person(agent, PASSWORD, screenshots=False)
    someone.context.add_cookies([{"name": "django_language", "value": language, "url": someone.base}])
    page = someone.go("/staff/")
    header, late_text, left_text = WORDS[language]
    assert page.locator("th", has_text=header).count() == 1
    rows = page.locator("#ticket-rows tbody tr")
    first, second = rows.nth(0), rows.nth(1)
    assert first.get_attribute("id") == f"ticket-{late.pk}"
    assert first.locator("time.badge.sla-late").inner_text() == late_text
    assert second.locator("time.badge.sla-ok").inner_text() == left_text
    # The colour says what the words say: the late badge differs from the one in time.
    colours = {
        row.locator("time.badge").evaluate("el => getComputedStyle(el).backgroundColor")
        for row in (first, second)
    }
    assert len(colours) == 2
    assert someone.problems() == []
