"""Issue 18: a payment recorded by mistake (wrong invoice, wrong amount) is reversed, never deleted: the row
stays with who, when and why, and what it covered is owed again (a paid invoice is open again)."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, Payment, Refund
from billing.selectors import invoice_amount_due
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.portals import browser
from tests.workflow import API, client_for

pytestmark = pytest.mark.django_db


def pay(invoice, amount: str, by=None) -> Payment:
    return services.invoice_pay(
        invoice=invoice, amount=Decimal(amount), received_on=timezone.localdate(), reference="T", by=by
    )


def reverse_api(user, payment_id, reason="Booked on the wrong invoice", **headers):
    return client_for(user).post(
        f"{API}/payments/{payment_id}/reverse/", {"reason": reason}, format="json", **headers
    )


def test_reversing_the_payment_of_a_paid_invoice_opens_it_again_with_the_amount_due(finance, invoice):
    payment = pay(invoice, "24.00", by=finance)

    response = reverse_api(finance, payment.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["amount_paid"], body["amount_due"]) == ("open", "0.00", "24.00")
    assert body["payment"]["id"] == payment.pk
    assert body["payment"]["reversal_reason"] == "Booked on the wrong invoice"
    assert body["payment"]["reversed_by"] == finance.pk
    payment.refresh_from_db()
    assert payment.reversed_at is not None and payment.reversed_by == finance
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.OPEN and invoice.closed_at is None


def test_reversing_one_of_two_payments_keeps_the_invoice_open_and_counts_only_the_other(finance, invoice):
    wrong = pay(invoice, "10.00", by=finance)
    pay(invoice, "4.00", by=finance)

    services.payment_reverse(payment=wrong, reason="Typo", by=finance)

    assert invoice_amount_due(invoice_id=invoice.pk) == Decimal("20.00")
    assert Payment.objects.filter(invoice=invoice).count() == 2  # kept, as evidence
    assert pay(invoice, "20.00", by=finance).amount == Decimal("20.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.PAID


def test_a_payment_is_reversed_once(finance, invoice):
    payment = pay(invoice, "5.00", by=finance)
    assert reverse_api(finance, payment.pk).status_code == 200
    again = reverse_api(finance, payment.pk)
    assert again.status_code == 409


def test_a_payment_on_a_refused_invoice_is_not_reversed_its_refund_is_owed(customer, finance, invoice):
    payment = pay(invoice, "5.00", by=finance)
    services.invoice_refuse(invoice=invoice, reason="no", by=customer)

    response = reverse_api(finance, payment.pk)

    assert response.status_code == 409
    payment.refresh_from_db()
    assert payment.reversed_at is None
    assert Refund.objects.get(invoice=invoice).amount == Decimal("5.00")


def test_a_reversal_needs_a_reason(finance, invoice):
    payment = pay(invoice, "5.00", by=finance)
    response = reverse_api(finance, payment.pk, reason="   ")
    assert response.status_code == 400 and "reason" in response.json()
    payment.refresh_from_db()
    assert payment.reversed_at is None


def test_a_refusal_after_a_reversal_owes_back_only_what_stands(customer, finance, invoice):
    wrong = pay(invoice, "10.00", by=finance)
    pay(invoice, "3.00", by=finance)
    services.payment_reverse(payment=wrong, reason="Typo", by=finance)

    services.invoice_refuse(invoice=invoice, reason="no", by=customer)

    assert Refund.objects.get(invoice=invoice).amount == Decimal("3.00")


def test_a_repeated_idempotency_key_replays_the_first_answer(finance, invoice):
    payment = pay(invoice, "5.00", by=finance)
    first = reverse_api(finance, payment.pk, HTTP_IDEMPOTENCY_KEY="rev-1")
    second = reverse_api(finance, payment.pk, HTTP_IDEMPOTENCY_KEY="rev-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_two_reversals_at_once_one_wins(finance, admin_user, customer_account):
    invoice = issue_invoice(customer_account)
    payment = pay(invoice, "24.00", by=finance)

    results = run_together(
        lambda: reverse_api(finance, payment.pk, "A"), lambda: reverse_api(admin_user, payment.pk, "B")
    )

    assert sorted(r.status_code for r in results) == [200, 409]
    payment.refresh_from_db()
    assert payment.reversal_reason in ("A", "B")
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.State.OPEN


def test_the_finance_invoice_page_reverses_a_payment_with_a_reason(customer, finance, invoice):
    payment = pay(invoice, "24.00", by=finance)
    client = browser(finance)
    page = client.get(reverse("finance:billing:invoice", args=[invoice.pk]))
    action = reverse("finance:billing:payment-reverse", args=[payment.pk])
    assert action in page.content.decode()

    done = client.post(action, {"reason": "Wrong customer"})

    assert done.status_code == 302
    payment.refresh_from_db()
    assert payment.reversal_reason == "Wrong customer" and payment.reversed_by == finance
    after = client.get(reverse("finance:billing:invoice", args=[invoice.pk])).content.decode()
    assert "Wrong customer" in after and "<del>" in after
    assert browser(customer).post(action, {"reason": "x"}).status_code == 403


def test_the_finance_page_refuses_a_reversal_without_a_reason(finance, invoice):
    payment = pay(invoice, "24.00", by=finance)
    browser(finance).post(reverse("finance:billing:payment-reverse", args=[payment.pk]), {"reason": ""})
    payment.refresh_from_db()
    assert payment.reversed_at is None


def test_the_finance_page_goes_back_to_the_invoice_and_says_how_each_reversal_went(finance, invoice):
    payment = pay(invoice, "24.00", by=finance)
    client = browser(finance)
    action = reverse("finance:billing:payment-reverse", args=[payment.pk])

    # No reason: asked for one; with one: reversed; once more: no longer possible, said on the page.
    answers = [client.post(action, {"reason": reason}, follow=True) for reason in ("", "Wrong customer", "x")]

    invoice_page = reverse("finance:billing:invoice", args=[invoice.pk])
    assert [answer.redirect_chain for answer in answers] == [[(invoice_page, 302)]] * 3
    told = [[message.level_tag for message in answer.context["messages"]] for answer in answers]
    assert told == [["error"], ["success"], ["error"]]
    payment.refresh_from_db()
    assert payment.reversal_reason == "Wrong customer"


def test_reversals_from_the_finance_page_are_money_actions_with_their_limit(finance, invoice, settings):
    payments = [pay(invoice, "1.00", by=finance) for _ in range(3)]
    limits = {scope: [(1000, 3600)] for scope in settings.RATE_LIMITS["money"]}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "money": {**limits, "user": [(2, 3600)]}}
    client = browser(finance)
    hour_begun = timezone.now().replace(minute=0, second=1, microsecond=0)  # the window is fixed on the clock

    with time_machine.travel(hour_begun, tick=True):
        answers = [
            client.post(reverse("finance:billing:payment-reverse", args=[p.pk]), {"reason": "typo"})
            for p in payments
        ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert Payment.objects.filter(invoice=invoice, reversed_at__isnull=True).count() == 1


def test_the_admin_shows_a_reversal_read_only(admin_user, finance, invoice):
    payment = pay(invoice, "5.00", by=finance)
    services.payment_reverse(payment=payment, reason="Wrong invoice", by=finance)
    client = browser(admin_user)
    page = client.get(reverse("admin:billing_payment_change", args=[payment.pk])).content.decode()
    assert "Wrong invoice" in page and 'name="reversal_reason"' not in page
