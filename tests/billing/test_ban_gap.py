"""Red team, issue 15: between a refusal and its ban task, no ticket of any kind may be opened.

The worker and the broker are down in these tests: no after-commit task ever runs. The ban must hold
from the refusal's own commit, and a ticket being opened at that moment must not slip through.
"""

import threading
import time

import pytest
from django.db import connection

from accounts.models import Customer
from billing import services
from billing.models import BanEvent
from billing.tasks import bans_apply_pending
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.workflow import API, client_for
from tickets.models import Ticket

KINDS = ["incident", "technical", "commercial", "sla_claim"]


def open_ticket(user, kind):
    payload = {
        "kind": kind,
        "subject": "Still here",
        "description": "Let me in",
        "accept_diagnosis_fee": True,
    }
    return client_for(user).post(f"{API}/tickets/", payload, format="json")


def refuse(user, invoice_id):
    return client_for(user).post(f"{API}/invoices/{invoice_id}/refuse/", {"reason": "No"}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_no_ticket_of_any_kind_opens_while_the_ban_task_has_not_run(kind, customer, invoice):
    assert refuse(customer, invoice.pk).status_code == 200  # no on-commit callback runs: no worker

    response = open_ticket(customer, kind)

    assert response.status_code == 403
    assert response.json()["code"] == "support_banned"
    assert not Ticket.objects.filter(customer_id=customer.customer_id).exists()


@pytest.mark.django_db
def test_the_account_shows_banned_from_the_refusal_on(customer, invoice):
    refuse(customer, invoice.pk)

    account = client_for(customer).get(f"{API}/customers/{customer.customer_id}/").json()

    assert (account["support_status"], account["ban_reason"]) == ("banned", "refused_invoice")
    assert account["banned_at"] is not None
    # Only the slow part is left to the task: the open tickets and the e-mail.
    assert BanEvent.objects.get().applied_at is None


@pytest.mark.django_db
def test_a_lapse_bans_in_its_own_transaction_too(customer, customer_account, invoice):
    services.invoice_lapse(invoice=invoice, today=invoice.due_on.replace(year=invoice.due_on.year + 1))

    assert Customer.objects.get(pk=customer_account.pk).support_status == "banned"
    assert open_ticket(customer, "technical").status_code == 403


@pytest.mark.django_db
def test_the_late_task_cancels_the_tickets_opened_before_the_refusal(customer, customer_account, invoice):
    before = open_ticket(customer, "technical").json()["id"]
    refuse(customer, invoice.pk)
    assert Ticket.objects.get(pk=before).status == "open"

    assert bans_apply_pending(now=None) == 1
    assert bans_apply_pending(now=None) == 0  # idempotent: a second run finds nothing

    assert Ticket.objects.get(pk=before).status == "cancelled"
    ban = BanEvent.objects.get()
    assert (ban.applied_at is not None, ban.changed_status) == (True, True)


@pytest.mark.django_db
def test_a_second_refusal_of_a_banned_account_is_history_only(customer, customer_account, invoice):
    second = issue_invoice(customer_account)
    refuse(customer, invoice.pk)
    banned_at = Customer.objects.get(pk=customer_account.pk).banned_at

    assert refuse(customer, second.pk).status_code == 200

    assert Customer.objects.get(pk=customer_account.pk).banned_at == banned_at
    assert sorted(BanEvent.objects.values_list("changed_status", flat=True)) == [False, True]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_ticket_opened_during_the_refusal_waits_for_it_and_is_refused(customer, invoice, monkeypatch):
    banned = threading.Event()
    release = threading.Event()
    original = services.bans_request

    def ban_then_hold(**kwargs):
        ids = original(**kwargs)
        banned.set()
        release.wait(10)  # the refusal's transaction stays open, the account row locked
        return ids

    monkeypatch.setattr(services, "bans_request", ban_then_hold)
    results: dict[str, object] = {}

    def in_thread(name, call):
        try:
            results[name] = call()
        finally:
            connection.close()

    refusal = threading.Thread(target=in_thread, args=("refuse", lambda: refuse(customer, invoice.pk)))
    refusal.start()
    assert banned.wait(10)
    opening = threading.Thread(target=in_thread, args=("open", lambda: open_ticket(customer, "commercial")))
    opening.start()
    time.sleep(0.5)
    assert "open" not in results  # waiting on the account row the refusal holds
    release.set()
    refusal.join(10)
    opening.join(10)

    assert results["refuse"].status_code == 200
    assert results["open"].status_code == 403
    assert not Ticket.objects.filter(customer_id=customer.customer_id).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
@pytest.mark.parametrize("attempt", range(3))
def test_refusal_and_opening_at_once_never_leave_an_open_ticket_on_a_banned_account(
    attempt, customer, invoice
):
    refused, opened = run_together(
        lambda: refuse(customer, invoice.pk), lambda: open_ticket(customer, "incident")
    )

    assert refused.status_code == 200
    assert opened.status_code in (201, 403)
    # Opened first, the ticket is the ban's to cancel; refused, there is none. Never both an open ticket
    # and nothing pending to cancel it.
    open_tickets = Ticket.objects.filter(customer_id=customer.customer_id, status="open")
    assert open_tickets.count() == (1 if opened.status_code == 201 else 0)
    assert BanEvent.objects.filter(applied_at__isnull=True, changed_status=True).count() == 1
    bans_apply_pending(now=None)
    assert not open_tickets.exists()
