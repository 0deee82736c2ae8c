"""The portals: the customer claims with its service and period, the agent assesses on the claim's page, the
customer reads the outcome; a banned customer is told it loses every SLA claim."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import CreditNote
from credits.models import SlaCredit
from tests.credits.conftest import open_claim
from tests.portals import browser
from tests.tickets.test_messages_of_banned_accounts import ban
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_customer_claims_on_the_question_page_with_the_period(customer, sla_service):
    ended = timezone.now() - timedelta(hours=2)
    response = browser(customer).post(
        reverse("customer:tickets:ask"),
        {
            "kind": "sla_claim",
            "service": sla_service.pk,
            "subject": "Down",
            "description": "web-01 did not answer",
            "outage_started_at": local(ended - timedelta(hours=4)),
            "outage_ended_at": local(ended),
        },
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.kind == "sla_claim" and ticket.service == sla_service
    assert ticket.outage_ended_at - ticket.outage_started_at == timedelta(hours=4)


def test_a_claim_for_a_service_without_sla_is_refused_on_the_form(customer, plain_service):
    response = browser(customer).post(
        reverse("customer:tickets:ask"),
        {"kind": "sla_claim", "service": plain_service.pk, "subject": "Down", "description": "d"},
    )

    assert response.status_code == 400
    assert (
        "service level agreement" in response.content.decode()
        or "niveau de service" in response.content.decode()
    )
    assert not Ticket.objects.exists()


def test_a_banned_customer_is_told_it_loses_every_sla_claim(customer):
    ban(customer)

    page = browser(customer).get(reverse("customer:tickets:ask"))

    assert page.status_code == 200 and 'id="sla-claims-lost"' in page.content.decode()
    assert (
        "<form" not in page.content.decode().split("<main")[1].split("</main>")[0]
        or "kind" not in page.context
    )


def test_the_agent_grants_on_the_claim_page_and_the_customer_reads_the_credit(customer, agent, sla_service):
    claim = open_claim(customer, sla_service, hours=3)
    staff = browser(agent)
    detail = staff.get(reverse("staff:tickets:detail", args=[claim["id"]])).content.decode()
    assert reverse("staff:credits:assess", args=[claim["id"]]) in detail

    page = staff.get(reverse("staff:credits:assess", args=[claim["id"]]))
    assert page.status_code == 200 and 'value="3.00"' in page.content.decode()  # the claimed period
    assert staff.post(reverse("staff:credits:grant", args=[claim["id"]]), {"hours": "9"}).status_code == 400
    done = staff.post(reverse("staff:credits:grant", args=[claim["id"]]), {"hours": "3"})

    assert done.status_code == 302
    note = CreditNote.objects.get(kind="sla_credit")
    seen = browser(customer).get(reverse("customer:tickets:detail", args=[claim["id"]])).content.decode()
    assert note.number in seen and 'id="sla-credit-note-pdf"' in seen
    assert (
        browser(customer).get(reverse("customer:billing:credit_note_pdf", args=[note.pk])).status_code == 200
    )
    # Assessed: the claim's page now leads back to the ticket.
    assert staff.get(reverse("staff:credits:assess", args=[claim["id"]])).status_code == 302


def test_the_agent_refuses_with_a_reason_the_customer_reads(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)
    staff = browser(agent)

    assert staff.post(reverse("staff:credits:refuse", args=[claim["id"]]), {"reason": ""}).status_code == 400
    staff.post(reverse("staff:credits:refuse", args=[claim["id"]]), {"reason": "Planned maintenance."})

    seen = browser(customer).get(reverse("customer:tickets:detail", args=[claim["id"]])).content.decode()
    assert "Planned maintenance." in seen and 'id="sla-refusal"' in seen


def test_a_grant_for_an_account_banned_meanwhile_is_a_refusal_for_the_ban(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)
    ban(customer)
    staff = browser(agent)
    assert (
        'id="claim-banned"' in staff.get(reverse("staff:credits:assess", args=[claim["id"]])).content.decode()
    )

    response = staff.post(reverse("staff:credits:grant", args=[claim["id"]]), {"hours": "3"}, follow=True)

    assert SlaCredit.objects.get().refusal == SlaCredit.Refusal.SUPPORT_BANNED
    assert not CreditNote.objects.filter(kind="sla_credit").exists()
    assert any("loses every SLA claim" in str(message) for message in response.context["messages"])


@pytest.mark.parametrize("role", ["customer", "finance"])
def test_only_support_reaches_the_claim_page(role, customer, finance, sla_service):
    claim = open_claim(customer, sla_service)
    user = {"customer": customer, "finance": finance}[role]

    assert browser(user).get(reverse("staff:credits:assess", args=[claim["id"]])).status_code == 403
    assert (
        browser(user).post(reverse("staff:credits:grant", args=[claim["id"]]), {"hours": "1"}).status_code
        == 403
    )
