"""E-mail in, clicked through (issue 16): a customer's reply to a ticket's e-mail, piped in by the MTA, is on
the customer's ticket page and on the agent's, where it is marked as come by e-mail; the agent finds it in
the list of received mail. In French, German and English, at a desktop's width and at a phone's."""

import io
import sys

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.conftest import AT_EVERY_WIDTH, assert_no_problems
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.mailin.conftest import reply_to
from tickets.services import ticket_claim, ticket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), AT_EVERY_WIDTH]

WORDS = {
    "fr": {"marker": "par e-mail", "list": "E-mails reçus", "outcome": "Ajouté à un ticket"},
    "de": {"marker": "per E-Mail", "list": "Empfangene E-Mails", "outcome": "Zu einem Ticket hinzugefügt"},
    "en": {"marker": "by e-mail", "list": "E-mail received", "outcome": "Added to a ticket"},
}
QUOTED = "\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@desk.example.com> wrote:\n> Please send the log"


@pytest.fixture(params=WORDS)
def language(request):
    return request.param


@pytest.fixture(autouse=True)
def _mailbox(settings):
    settings.MAILIN_REPLY_DOMAIN = "desk.example.com"


def pipe(raw: bytes, monkeypatch) -> None:
    """What the MTA does with a message to the support address: `manage.py mailin_receive` < message."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("mailin_receive", stdout=io.StringIO())


def test_a_reply_piped_in_appears_on_the_customers_and_the_agents_ticket_page(
    person, language, width, monkeypatch
):
    words = WORDS[language]
    account = CustomerFactory(name=f"Mail {language}", country="FR", language=language)
    customer_user = UserFactory(email=f"mail-{language}@example.com", role=Role.CUSTOMER, customer=account)
    agent_user = UserFactory(email=f"agent-mail-{language}@example.com", role=Role.AGENT, language=language)
    ticket = ticket_open(by=customer_user, kind="technical", subject="Backups", description="Where are they?")
    ticket_claim(ticket=ticket, by=agent_user)

    pipe(
        reply_to(ticket, sender=customer_user.email, body=f"Found them <b>{language}</b>, thanks.{QUOTED}"),
        monkeypatch,
    )

    customer = person(customer_user, PASSWORD, screenshots=False)
    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    thread = page.locator("#thread")
    expect(thread).to_contain_text(f"Found them <b>{language}</b>, thanks.")  # text, never markup
    expect(thread).not_to_contain_text("Please send the log")  # the quoted history is not kept
    expect(thread).not_to_contain_text(words["marker"])
    customer.audit("customer ticket with a reply by e-mail")

    agent = person(agent_user, PASSWORD, screenshots=False)
    page = agent.go(f"/staff/tickets/{ticket.pk}/")
    message = page.locator("#thread article.message").filter(has_text="Found them")
    expect(message).to_contain_text(words["marker"])
    agent.audit("staff ticket with a reply by e-mail")
    page = agent.go("/staff/")
    page.get_by_role("link", name=words["list"]).click()
    expect(page.locator("h1")).to_have_text(words["list"])
    expect(page.locator("table")).to_contain_text(words["outcome"])
    page.get_by_role("link", name=str(ticket.pk), exact=True).click()
    expect(page.locator("#thread")).to_contain_text("Found them")
    agent.audit("staff list of received mail")
    assert_no_problems(customer, agent)
