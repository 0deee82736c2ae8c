"""Provider incidents (issue 16), clicked through in Chromium in French, German and English, at a desktop's
width and at a phone's: an agent writes and publishes a known incident; the customer reads it on the status
page and opens a ticket on the affected service, shown free before the order; the agent links another
ticket and concludes both as the provider's fault in one action: nothing is billed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Invoice
from outages.models import ProviderIncident
from tests.browser.conftest import AT_EVERY_WIDTH, assert_no_problems

# The journeys' fixtures: each language at each width, logged in as there.
from tests.browser.test_journeys import language, login, people  # noqa: F401
from tests.outages.helpers import TEXTS
from tests.portals import incident
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), AT_EVERY_WIDTH]

WORDS = {
    "fr": {"publish": "Publier", "conclude": "Conclure comme faute du fournisseur", "resolved": "Résolu"},
    "de": {
        "publish": "Veröffentlichen",
        "conclude": "Als Fehler des Anbieters abschließen",
        "resolved": "Behoben",
    },
    "en": {"publish": "Publish", "conclude": "Conclude as provider fault", "resolved": "Resolved"},
}


def test_a_known_incident_is_published_free_to_report_and_concluded_in_bulk(
    login,  # noqa: F811 - the journeys' fixture, imported above
    language,  # noqa: F811 - the journeys' fixture, imported above
    eager_tasks,
):
    customer_user, agent_user, _finance = people(language)
    words = WORDS[language]
    service = customer_user.customer.services.get()

    # The agent writes the incident in three languages and publishes it.
    agent = login(agent_user)
    page = agent.go("/staff/incidents/")
    page.click("#incident-new")
    for name, text in TEXTS.items():
        page.fill(f"#id_{name}", text)
    page.check("input[name=service_kinds][value=dedicated_server]")
    started = timezone.localtime(timezone.now() - timedelta(hours=1))
    page.fill("#id_starts_at", started.strftime("%Y-%m-%dT%H:%M"))
    agent.shot("staff-incident-new")
    page.click("#incident-save")
    expect(page.locator("#incident-status")).to_be_visible()
    page.get_by_role("button", name=words["publish"]).click()
    incident_row = ProviderIncident.objects.get()
    assert incident_row.status == ProviderIncident.State.PUBLISHED

    # The customer reads it on the status page, in their language, and reports on the affected service.
    customer = login(customer_user)
    page = customer.go("/status/")
    expect(page.locator("#incidents-active")).to_contain_text(TEXTS[f"title_{language}"])
    customer.shot("status-page")
    page = customer.go("/customer/tickets/new/")
    expect(page.locator("#known-incident")).to_be_visible()
    page.locator("#known-incident").get_by_role("link", name=service.name).click()
    expect(page.locator("#fee-free-incident")).to_be_visible()  # the fee says so before the order
    customer.shot("customer-open-incident-free")
    page.fill("#id_subject", "Disque lent")
    page.fill("#id_description", "Les écritures prennent des secondes.")
    page.check("#id_accept_diagnosis_fee")
    page.locator("#order").click()
    expect(page.locator("#ticket-provider-incident")).to_contain_text(TEXTS[f"title_{language}"])
    customer.audit("customer-ticket-with-incident")
    free = Ticket.objects.get(provider_incident=incident_row)
    assert free.fee_free is True

    # Another ticket, opened without naming the service, is linked; both are concluded in one action.
    paid = incident(customer_user)
    page = agent.go(f"/staff/incidents/{incident_row.pk}/")
    page.fill("#id_ticket_ids", f"#{paid.pk}")
    page.click("#incident-link")
    expect(page.locator(f'a[href="/staff/tickets/{paid.pk}/"]')).to_be_visible()
    page.get_by_role("button", name=words["conclude"]).click()
    expect(page.locator(".msg-success")).to_be_visible()
    agent.shot("staff-incident-concluded")
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.State.RESOLVED}
    assert not Invoice.objects.exists()

    page.click("#incident-resolve")
    expect(page.locator("#incident-status")).to_contain_text(words["resolved"])
    assert_no_problems(customer, agent)
