"""SLA claims clicked through in Chromium, in French, German and English, at a desktop's width and a phone's:

(a) a customer claims for an outage of its server under an SLA, naming the period; an agent grants the
    hours on the claim's page; the customer reads the credit and downloads its credit note;
(b) a customer banned meanwhile: the agent's grant turns into a refusal for the ban, the customer reads why,
    and the banned customer's question page says a banned account loses every SLA claim.
axe-core and the layout check run at each shot (tests/browser/conftest.py).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from billing.models import CreditNote
from billing.services import invoice_refuse
from credits.models import SlaCredit
from tests.billing.conftest import issue_invoice
from tests.browser.conftest import AT_EVERY_WIDTH, assert_no_problems
from tests.browser.test_journeys import language, login  # noqa: F401 - fixtures: fr, de, en at 1366 and 390
from tests.factories import CustomerFactory, ServiceFactory, UserFactory
from tickets.models import Ticket
from tickets.services import ticket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), AT_EVERY_WIDTH]

LANGUAGES = {
    "fr": {"country": "FR", "granted": "Accordé", "refused": "Refusé", "hours": "3"},
    "de": {"country": "DE", "granted": "Gewährt", "refused": "Abgelehnt", "hours": "3"},
    "en": {"country": "FR", "granted": "Granted", "refused": "Refused", "hours": "3"},
}


def people(lang):
    account = CustomerFactory(
        name=f"Kunde {lang} <b>&</b>", country=LANGUAGES[lang]["country"], language=lang
    )
    server = ServiceFactory(
        customer=account, name="srv-sla-01.example.net", has_sla=True, monthly_price=Decimal("149.00")
    )
    customer = UserFactory(email=f"sla-{lang}@example.com", role=Role.CUSTOMER, customer=account)
    agent = UserFactory(email=f"sla-agent-{lang}@example.com", role=Role.AGENT, customer=None, language=lang)
    return customer, agent, server


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_claim_is_filed_granted_and_its_credit_read(login, language):  # noqa: F811 - the imported fixtures
    customer_user, agent_user, server = people(language)
    ended = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

    customer = login(customer_user)
    page = customer.go("/customer/tickets/ask/")
    expect(page.locator("#sla-claim-help")).to_be_visible()
    page.select_option("#id_kind", "sla_claim")
    page.select_option("#id_service", str(server.pk))
    page.fill("#id_subject", "srv-sla-01 down")
    page.fill("#id_description", "No answer for three hours, your status page says a power cut.")
    page.fill("#id_outage_started_at", local(ended - timedelta(hours=3)))
    page.fill("#id_outage_ended_at", local(ended))
    customer.shot("customer-sla-claim")
    page.click("form.stacked button[type=submit]")
    expect(page.locator("#outage-period")).to_be_visible()
    ticket = Ticket.objects.get(kind="sla_claim", customer=customer_user.customer)

    agent = login(agent_user)
    page = agent.go(f"/staff/tickets/{ticket.pk}/")
    page.click("#assess-sla-claim")
    expect(page.locator("#id_hours")).to_have_value("3.00")  # the period claimed
    agent.shot("staff-sla-claim")
    page.click("#grant-submit")
    expect(page.locator("#sla-credit")).to_contain_text(LANGUAGES[language]["granted"])
    agent.shot("staff-sla-claim-granted")

    note = CreditNote.objects.get(kind="sla_credit", customer=customer_user.customer)
    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    expect(page.locator("#sla-credit")).to_contain_text(note.number)
    expect(page.locator("#sla-credit-note-pdf")).to_be_visible()
    customer.shot("customer-sla-credit")
    assert_no_problems(customer, agent)


def test_a_customer_banned_meanwhile_loses_the_claim_and_is_told_why(login, language):  # noqa: F811
    customer_user, agent_user, server = people(language)
    ended = timezone.now() - timedelta(days=1)
    ticket = ticket_open(
        by=customer_user,
        kind=Ticket.Kind.SLA_CLAIM,
        subject="srv-sla-01 down",
        description="d",
        service=server,
        outage_started_at=ended - timedelta(hours=2),
        outage_ended_at=ended,
    )
    # Refused an invoice: banned at once; no worker runs the ban's slow part, so the claim is still open.
    invoice_refuse(invoice=issue_invoice(customer_user.customer), reason="No", by=customer_user)

    agent = login(agent_user)
    page = agent.go(f"/staff/tickets/{ticket.pk}/sla-claim/")
    expect(page.locator("#claim-banned")).to_be_visible()
    agent.shot("staff-sla-claim-banned")
    page.click("#grant-submit")
    expect(page.locator("#sla-credit")).to_contain_text(LANGUAGES[language]["refused"])
    assert SlaCredit.objects.get(ticket=ticket).refusal == SlaCredit.Refusal.SUPPORT_BANNED
    assert not CreditNote.objects.filter(kind="sla_credit").exists()

    customer = login(customer_user)
    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    expect(page.locator("#sla-refusal")).to_be_visible()
    customer.shot("customer-sla-claim-refused")
    page = customer.go("/customer/tickets/ask/")
    expect(page.locator("#sla-claims-lost")).to_be_visible()
    expect(page.locator("form.stacked")).to_have_count(0)
    customer.shot("customer-sla-banned")
    assert_no_problems(customer, agent)
