"""Two actors at once on real PostgreSQL connections: exactly one wins, and numbers stay gap-free."""

import pytest
import time_machine
from django.utils import timezone

from billing.models import CreditNote, Invoice, Payment
from ops.sweeps import deadlines_enforce
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.factories import CustomerFactory, UserFactory
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres", "celery_eager")]


def test_a_payment_and_a_refusal_racing_on_one_invoice_one_wins(customer, finance, invoice):
    results = run_together(
        lambda: client_for(finance).post(
            f"{API}/invoices/{invoice.pk}/payments/", {"amount": "24.00"}, format="json"
        ),
        lambda: client_for(customer).post(
            f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "no"}, format="json"
        ),
    )
    winner, loser = sorted(response.status_code for response in results)
    assert loser == 409
    # Which one wins is up to the scheduler; the database must agree with the winner, and only with it.
    expected = {201: ("paid", 1, 0), 200: ("refused", 0, 1)}[winner]
    assert (Invoice.objects.get().status, Payment.objects.count(), CreditNote.objects.count()) == expected


def test_two_refusals_of_one_invoice_at_once_make_one_credit_note(customer, invoice):
    url = f"{API}/invoices/{invoice.pk}/refuse/"
    results = run_together(*[lambda: client_for(customer).post(url, {"reason": "no"}, format="json")] * 2)
    assert sorted(response.status_code for response in results) == [200, 409]
    assert CreditNote.objects.count() == 1


def test_credit_notes_refused_at_once_are_numbered_without_gap(customer_account):
    year = timezone.localdate().year
    users, invoices = [], []
    for _ in range(6):
        account = CustomerFactory(country="FR")
        users.append(UserFactory(customer=account))
        invoices.append(issue_invoice(account))
    results = run_together(
        *[
            (
                lambda user=user, inv=inv: client_for(user).post(
                    f"{API}/invoices/{inv.pk}/refuse/", {"reason": "no"}, format="json"
                )
            )
            for user, inv in zip(users, invoices, strict=True)
        ]
    )
    assert [response.status_code for response in results] == [200] * 6
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [
        f"FR-{year}-C{n:06d}" for n in range(1, 7)
    ]


def test_two_sweeps_at_once_lapse_and_ban_once(customer_account, customer):
    for _ in range(3):
        issue_invoice(customer_account)
    later = timezone.now() + timezone.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        results = run_together(deadlines_enforce, deadlines_enforce)
    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["invoices_lapse_overdue"] for result in results) == 3
    assert CreditNote.objects.count() == 3
    assert set(Invoice.objects.values_list("status", flat=True)) == {"lapsed"}
    customer_account.refresh_from_db()
    assert customer_account.ban_events.filter(changed_status=True).count() == 1
