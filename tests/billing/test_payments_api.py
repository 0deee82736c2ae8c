"""Payments over HTTP: partial and full, never more than is due, only on an open invoice, by finance."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Payment
from tests.billing.conftest import issue_invoice
from tests.workflow import API, client_for

pytestmark = pytest.mark.django_db


def pay(user, invoice_id, amount, **extra):
    return client_for(user).post(
        f"{API}/invoices/{invoice_id}/payments/",
        {"amount": amount, "received_on": timezone.localdate().isoformat(), "reference": "VIR 1", **extra},
        format="json",
    )


def test_partial_then_full_payment_makes_the_invoice_paid(finance, invoice):
    first = pay(finance, invoice.pk, "10.00")
    assert first.status_code == 201
    body = first.json()
    assert (body["status"], body["amount_paid"], body["amount_due"]) == ("open", "10.00", "14.00")
    assert body["payment"]["amount"] == "10.00" and body["payment"]["reference"] == "VIR 1"

    second = pay(finance, invoice.pk, "14.00")
    assert second.status_code == 201
    assert (second.json()["status"], second.json()["amount_paid"], second.json()["amount_due"]) == (
        "paid",
        "24.00",
        "0.00",
    )


def test_admin_records_a_payment_too(admin_user, invoice):
    assert pay(admin_user, invoice.pk, "24.00").json()["status"] == "paid"


@pytest.mark.parametrize(
    "amount",
    [
        "24.01",
        "100.00",
        "0",
        "0.00",
        "-5.00",
        "10.001",
        "abc",
        "",
        None,
        "1e3",
        "NaN",
        "Infinity",
        "99999999999999.99",
    ],
)
def test_invalid_amount_is_a_400_on_the_amount_and_records_nothing(finance, invoice, amount):
    response = pay(finance, invoice.pk, amount)
    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Payment.objects.exists()


def test_overpayment_after_a_partial_payment_is_a_400(finance, invoice):
    pay(finance, invoice.pk, "20.00")
    response = pay(finance, invoice.pk, "4.01")
    assert response.status_code == 400
    assert "4.00" in response.json()["amount"][0]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("received_on", ["2999-01-01", "yesterday", "2026-02-30"])
def test_bad_or_future_receipt_day_is_a_400(finance, invoice, received_on):
    response = pay(finance, invoice.pk, "1.00", received_on=received_on)
    assert response.status_code == 400
    assert "received_on" in response.json()


def test_paying_a_paid_invoice_is_a_409(finance, invoice):
    pay(finance, invoice.pk, "24.00")
    response = pay(finance, invoice.pk, "1.00")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_paying_a_refused_invoice_is_a_409(finance, customer, invoice):
    client_for(customer).post(f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "No"}, format="json")
    assert pay(finance, invoice.pk, "1.00").status_code == 409


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_only_finance_and_admins_record_payments(role, customer, agent, invoice):
    response = pay({"customer": customer, "agent": agent}[role], invoice.pk, "1.00")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_payment_on_an_unknown_invoice_is_a_404(finance, invoice):
    assert pay(finance, invoice.pk + 1000, "1.00").status_code == 404


def test_a_payment_received_before_the_invoice_was_issued_is_a_400_on_received_on(finance, invoice):
    response = pay(finance, invoice.pk, "1.00", received_on="1999-03-01")
    assert response.status_code == 400
    assert list(response.json()) == ["received_on"]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_received_on_defaults_to_today(finance, invoice):
    response = client_for(finance).post(
        f"{API}/invoices/{invoice.pk}/payments/", {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 201
    assert Payment.objects.get().reference == ""


def test_a_german_invoice_is_paid_with_its_own_vat(finance, other_customer):
    invoice = issue_invoice(other_customer.customer, unit_price="60.00")
    assert invoice.gross == Decimal("71.40")
    assert pay(finance, invoice.pk, "71.40").json()["status"] == "paid"
