"""The whole incident workflow as a Hypothesis state machine (RuleBasedStateMachine).

Customers of three accounts (France, Germany), two agents and finance act over the REST API in random
order: open tickets of every kind, cancel, start and conclude diagnoses with every outcome, accept or
decline quotes, complete work, answer questions, pay, refuse, reinstate, and let days pass (the hourly
sweep lapses unpaid invoices and expires quotes). A model of the contract predicts every answer
(success, 403 support_banned or 409); after every step the database must agree with it:

- each account's invoices are exactly what the outcome table bills (ticket and net amount);
- no ticket ever leaves a final state (resolved, closed, cancelled);
- an account is banned exactly when it has a refused or lapsed invoice since its last reinstatement;
- the invoice and credit-note series of each billing entity and year have no gap.

Size: FUZZ_MACHINES runs (default 20) of up to FUZZ_STEPS steps (default 30).
"""

import os
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Customer, Role
from billing.models import CreditNote, Invoice
from billing.tasks import bans_apply_pending
from ops.sweeps import deadlines_enforce
from tests.counts import report
from tests.factories import CustomerFactory, UserFactory
from tests.workflow import API, QUOTE, client_for
from tickets.models import Ticket

# Limits raised: 20 runs × 30 steps from one client IP are a flood by design.
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db, pytest.mark.usefixtures("raised_rate_limits")]

FEE_NET = Decimal("20.00")
QUOTE_NET = Decimal("189.90")  # 2 × 49.95 + 1.5 × 60.00
FINAL = {"resolved", "closed", "cancelled"}
OUTCOMES = ["fixed", "provider_fault", "quoted", "no_quote", "no_competence"]
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


class IncidentDesk(RuleBasedStateMachine):
    tickets = Bundle("tickets")
    invoices = Bundle("invoices")

    def __init__(self):
        super().__init__()
        self.clock = time_machine.travel(START, tick=False)
        self.clock.start()
        self.now = START
        self.atomic = transaction.atomic()  # a savepoint per run, rolled back at teardown
        self.atomic.__enter__()
        self.accounts = [CustomerFactory(country=country) for country in ("FR", "DE", "FR")]
        self.customers = [UserFactory(role=Role.CUSTOMER, customer=account) for account in self.accounts]
        self.agents = [UserFactory(role=Role.AGENT, customer=None) for _ in range(2)]
        self.finance = UserFactory(role=Role.FINANCE, customer=None)
        # The model: what the contract says the database holds.
        self.status = {}  # ticket id → status
        self.kind = {}
        self.owner = {}  # ticket id → account index
        self.quote = {}  # ticket id → quote id
        self.billed = {i: Counter() for i in range(len(self.accounts))}  # (ticket, net) per account
        self.invoice_state = {}  # invoice id → (account index, status, due_on)
        self.events = 0
        self.last_bad_invoice = [0] * len(self.accounts)  # event number of the latest refusal or lapse
        self.last_reinstated = [0] * len(self.accounts)
        self.final_seen = {}  # ticket id → the final status it reached
        report("state machine: runs")

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.clock.stop()

    # The model's rules --------------------------------------------------------------------------

    def banned(self, i) -> bool:
        return self.last_bad_invoice[i] > self.last_reinstated[i]

    def bill(self, ticket_id, net, response_invoices):
        """The ticket's invoices now include one more, of this net amount."""
        i = self.owner[ticket_id]
        self.billed[i][(ticket_id, net)] += 1
        known = {pk for pk, state in self.invoice_state.items()}
        new = [pk for pk in response_invoices if pk not in known]
        assert len(new) == 1, (ticket_id, response_invoices)
        invoice = Invoice.objects.get(pk=new[0])
        self.invoice_state[invoice.pk] = [i, "open", invoice.due_on]
        return invoice.pk

    def invoices_of(self, ticket_id):
        return list(Invoice.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True))

    def ban_for(self, i):
        """A refusal or lapse: the account is banned once the worker (here: the sweep) applied it."""
        self.events += 1
        self.last_bad_invoice[i] = self.events
        bans_apply_pending(now=timezone.now())
        for ticket_id, owner in self.owner.items():
            if owner == i and self.status[ticket_id] == "open":
                self.status[ticket_id] = "cancelled"  # a ban cancels not-yet-started tickets, free

    # Customers --------------------------------------------------------------------------------------

    @rule(
        target=tickets,
        who=st.integers(0, 2),
        kind=st.sampled_from(["incident", "incident", "technical", "sla_claim"]),
    )
    def open_ticket(self, who, kind):
        payload = {"kind": kind, "subject": "s", "description": "d", "accept_diagnosis_fee": True}
        response = client_for(self.customers[who]).post(f"{API}/tickets/", payload, format="json")
        if self.banned(who):
            assert response.status_code == 403 and response.json()["code"] == "support_banned"
            return -1
        assert response.status_code == 201, response.content
        ticket = response.json()
        self.status[ticket["id"]], self.kind[ticket["id"]], self.owner[ticket["id"]] = "open", kind, who
        return ticket["id"]

    @rule(ticket=tickets)
    def cancel(self, ticket):
        if ticket < 0:
            return
        response = client_for(self.customers[self.owner[ticket]]).post(f"{API}/tickets/{ticket}/cancel/")
        if self.status[ticket] == "open":
            assert response.status_code == 200, response.content
            self.status[ticket] = "cancelled"
        else:
            assert response.status_code == 409, response.content

    @rule(ticket=tickets, accept=st.booleans())
    def decide_quote(self, ticket, accept):
        if ticket < 0 or ticket not in self.quote:
            return
        action = "accept" if accept else "decline"
        response = client_for(self.customers[self.owner[ticket]]).post(
            f"{API}/quotes/{self.quote[ticket]}/{action}/"
        )
        if self.status[ticket] != "quote_sent":
            assert response.status_code == 409, response.content
            return
        assert response.status_code == 200, response.content
        if accept:
            self.status[ticket] = "in_work"
        else:
            self.status[ticket] = "closed"
            self.bill(ticket, FEE_NET, self.invoices_of(ticket))

    @rule(invoice=consumes(invoices))
    def refuse(self, invoice):
        if invoice < 0:
            return
        i, state, _ = self.invoice_state[invoice]
        response = client_for(self.customers[i]).post(
            f"{API}/invoices/{invoice}/refuse/", {"reason": "no"}, format="json"
        )
        if state != "open":
            assert response.status_code == 409, response.content
            return
        assert response.status_code == 200, response.content
        self.invoice_state[invoice][1] = "refused"
        self.ban_for(i)

    # Support staff ------------------------------------------------------------------------------------

    @rule(ticket=tickets, agent=st.integers(0, 1))
    def start_diagnosis(self, ticket, agent):
        if ticket < 0:
            return
        response = client_for(self.agents[agent]).post(f"{API}/tickets/{ticket}/start-diagnosis/")
        if self.status[ticket] == "open" and self.kind[ticket] == "incident":
            assert response.status_code == 200, response.content
            self.status[ticket] = "diagnosing"
        else:
            assert response.status_code == 409, response.content

    @rule(target=invoices, ticket=tickets, agent=st.integers(0, 1), outcome=st.sampled_from(OUTCOMES))
    def conclude(self, ticket, agent, outcome):
        if ticket < 0:
            return -1
        payload = {"findings": "f", "outcome": outcome, **({"quote": QUOTE} if outcome == "quoted" else {})}
        response = client_for(self.agents[agent]).post(
            f"{API}/tickets/{ticket}/conclude-diagnosis/", payload, format="json"
        )
        if self.status[ticket] != "diagnosing":
            assert response.status_code == 409, response.content
            return -1
        assert response.status_code == 200, response.content
        body = response.json()
        self.status[ticket] = {"fixed": "resolved", "provider_fault": "resolved", "quoted": "quote_sent"}.get(
            outcome, "closed"
        )
        if outcome == "quoted":
            self.quote[ticket] = body["quote"]["id"]
        if outcome == "fixed":
            return self.bill(ticket, FEE_NET, body["invoices"])
        return -1

    @rule(target=invoices, ticket=tickets)
    def complete_work(self, ticket):
        if ticket < 0:
            return -1
        response = client_for(self.agents[0]).post(
            f"{API}/tickets/{ticket}/complete-work/", {"report": "done"}, format="json"
        )
        if self.status[ticket] != "in_work":
            assert response.status_code == 409, response.content
            return -1
        assert response.status_code == 200, response.content
        self.status[ticket] = "resolved"
        return self.bill(ticket, FEE_NET + QUOTE_NET, response.json()["invoices"])

    @rule(ticket=tickets)
    def answer(self, ticket):
        if ticket < 0:
            return
        response = client_for(self.agents[1]).post(
            f"{API}/tickets/{ticket}/close/", {"answer": "a"}, format="json"
        )
        if self.status[ticket] == "open" and self.kind[ticket] != "incident":
            assert response.status_code == 200, response.content
            self.status[ticket] = "closed"
        else:
            assert response.status_code == 409, response.content

    # Finance ------------------------------------------------------------------------------------------

    @rule(invoice=invoices)
    def pay_in_full(self, invoice):
        if invoice < 0:
            return
        i, state, _ = self.invoice_state[invoice]
        due = Invoice.objects.get(pk=invoice).gross
        response = client_for(self.finance).post(
            f"{API}/invoices/{invoice}/payments/", {"amount": str(due)}, format="json"
        )
        if state != "open":
            assert response.status_code == 409, response.content
            return
        assert response.status_code == 201, response.content
        self.invoice_state[invoice][1] = "paid"

    @rule(who=st.integers(0, 2))
    def reinstate(self, who):
        response = client_for(self.finance).post(
            f"{API}/customers/{self.accounts[who].pk}/reinstate/", {"reason": "paid by phone"}, format="json"
        )
        if not self.banned(who):
            assert response.status_code == 409, response.content
            return
        assert response.status_code == 200, response.content
        self.events += 1
        self.last_reinstated[who] = self.events

    # Time ---------------------------------------------------------------------------------------------

    @rule(days=st.sampled_from([1, 7, 15, 31]))
    def days_pass(self, days):
        self.now += timedelta(days=days)
        self.clock.stop()
        self.clock = time_machine.travel(self.now, tick=False)
        self.clock.start()
        today = timezone.localdate()
        expiring = [
            t
            for t in self.quote
            if self.status[t] == "quote_sent" and Ticket.objects.get(pk=t).quote.valid_until < today
        ]
        lapsing = [
            pk for pk, (_i, state, due_on) in self.invoice_state.items() if state == "open" and due_on < today
        ]
        deadlines_enforce(now=timezone.now())
        for ticket in expiring:
            self.status[ticket] = "closed"
            self.bill(ticket, FEE_NET, self.invoices_of(ticket))
        for invoice in lapsing:
            self.invoice_state[invoice][1] = "lapsed"
            self.ban_for(self.invoice_state[invoice][0])

    # What must hold after every step --------------------------------------------------------------------

    @invariant()
    def invoices_follow_the_fee_rules(self):
        report("state machine: steps checked")
        for i, account in enumerate(self.accounts):
            actual = Counter(Invoice.objects.filter(customer=account).values_list("ticket_id", "net"))
            assert actual == self.billed[i], (i, actual, self.billed[i])
        for pk, (_i, state, _due) in self.invoice_state.items():
            assert Invoice.objects.get(pk=pk).status == state, pk

    @invariant()
    def tickets_match_the_model_and_never_leave_a_final_state(self):
        actual = dict(Ticket.objects.filter(pk__in=self.status).values_list("pk", "status"))
        assert actual == self.status
        for pk, status in actual.items():
            if pk in self.final_seen:
                assert status == self.final_seen[pk], (pk, self.final_seen[pk], status)
            elif status in FINAL:
                self.final_seen[pk] = status

    @invariant()
    def banned_exactly_after_a_refused_or_lapsed_invoice_since_reinstatement(self):
        for i, account in enumerate(self.accounts):
            account.refresh_from_db()
            assert (account.support_status == Customer.SupportStatus.BANNED) == self.banned(i), i

    @invariant()
    def numbering_has_no_gaps(self):
        for model in (Invoice, CreditNote):
            series = {}
            for number in model.objects.values_list("number", flat=True):
                prefix, _, serial = number.rpartition("-")
                digits = serial.lstrip("C")
                series.setdefault((prefix, serial[: len(serial) - len(digits)]), []).append(int(digits))
            for key, numbers in series.items():
                numbers.sort()
                assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), (key, numbers)


def test_the_workflow_keeps_its_promises_whatever_the_order(customer_account):
    # customer_account: the db fixture, plus the seeded billing entities and VAT rates.
    run_state_machine_as_test(
        IncidentDesk,
        settings=settings(
            max_examples=int(os.environ.get("FUZZ_MACHINES", "20")),
            stateful_step_count=int(os.environ.get("FUZZ_STEPS", "30")),
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        ),
    )
