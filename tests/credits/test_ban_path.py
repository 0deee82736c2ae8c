"""A ban makes the account lose its open SLA claims: each is refused for the ban, with the contract's words,
in the ban's own transaction; never cancelled, never granted after."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import invoice_refuse
from billing.signals import customers_banned
from credits.models import SlaCredit
from credits.services import sla_claims_refuse_for_bans
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.credits.conftest import grant, open_claim
from tests.workflow import API, client_for, open_incident
from tickets.models import Ticket
from tickets.signals import sla_claims_forfeited, tickets_ended

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("celery_eager")
def test_a_ban_refuses_the_accounts_open_claims_and_cancels_its_other_waiting_tickets(
    customer, agent, sla_service, django_capture_on_commit_callbacks
):
    claim = open_claim(customer, sla_service)
    waiting = open_incident(customer)

    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=issue_invoice(customer.customer), reason="No", by=customer)

    ticket = Ticket.objects.get(pk=claim["id"])
    assert ticket.status == Ticket.State.CLOSED
    assert "perd toute réclamation SLA" in ticket.answer  # in the account's French
    credit = SlaCredit.objects.get(ticket=ticket)
    assert (credit.status, credit.refusal, credit.assessed_by) == (
        SlaCredit.Status.REFUSED,
        SlaCredit.Refusal.SUPPORT_BANNED,
        None,
    )
    assert credit.customer_id == customer.customer_id and credit.credit_note is None
    assert Ticket.objects.get(pk=waiting["id"]).status == Ticket.State.CANCELLED
    # The customer reads the refusal on the ticket and in its e-mail; it is assessed once, for good.
    assert SentEmail.objects.filter(kind="ticket_answered", object_id=ticket.pk).exists()
    shown = client_for(customer).get(f"{API}/tickets/{ticket.pk}/").json()
    assert shown["sla_credit"]["refusal"] == "support_banned"
    assert grant(agent, ticket.pk).status_code == 409


def test_a_claim_assessed_before_the_ban_keeps_its_assessment(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)
    assert grant(agent, claim["id"]).status_code == 200

    customers_banned.send(sender=type(customer.customer), customer_ids=[customer.customer_id])

    assert SlaCredit.objects.get(ticket_id=claim["id"]).status == SlaCredit.Status.GRANTED


def test_the_claims_step_of_the_ban_path_has_one_receiver():
    assert len(sla_claims_forfeited.receivers) == 1
    assert len(tickets_ended.receivers) == 1


def test_the_ban_refuses_claims_in_a_number_of_queries_that_does_not_grow_with_them(customer, sla_service):
    # A chunk of the ban sweep may hold thousands of open claims: one per claim was 80 s for 100,000 bans.
    def refusing(count: int) -> int:
        ids = [open_claim(customer, sla_service)["id"] for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert sla_claims_refuse_for_bans(ticket_ids=ids) == count
        return len(queries)

    assert refusing(1) == refusing(4)
