"""Issued documents cannot be changed, not even by code that bypasses the services (REL-06)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Payment
from billing.services import invoice_pay
from tests.billing.conftest import issue_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_postgres")]


def refused(sql, params):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_issued_invoice_is_never_edited_or_deleted(customer_account):
    invoice = issue_invoice(customer_account)
    refused("UPDATE billing_invoice SET gross = gross + 1, net = net + 1 WHERE id = %s", [invoice.pk])
    refused("UPDATE billing_invoice SET customer_name = 'someone else' WHERE id = %s", [invoice.pk])
    refused("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    refused("UPDATE billing_invoiceline SET unit_price = 1 WHERE invoice_id = %s", [invoice.pk])
    refused("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [invoice.pk])
    assert Invoice.objects.get(pk=invoice.pk).gross == Decimal("24.00")
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1


def test_only_an_open_invoice_changes_status_and_only_once(customer_account, finance):
    invoice = issue_invoice(customer_account)
    invoice_pay(invoice=invoice, amount=Decimal("24.00"), received_on=timezone.localdate(), by=finance)
    # Paid moves only back to open (a payment reversed), never to cancelled.
    refused("UPDATE billing_invoice SET status = 'lapsed' WHERE id = %s", [invoice.pk])
    refused("UPDATE billing_invoice SET status = 'refused' WHERE id = %s", [invoice.pk])
    refused("UPDATE billing_payment SET amount = 1 WHERE invoice_id = %s", [invoice.pk])
    refused("DELETE FROM billing_payment WHERE invoice_id = %s", [invoice.pk])
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.State.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_status_change_carries_no_edit_along(customer_account):
    invoice = issue_invoice(customer_account)
    refused(
        "UPDATE billing_invoice SET status = 'lapsed', closed_at = now(), customer_name = 'x' WHERE id = %s",
        [invoice.pk],
    )
    refused(
        "UPDATE billing_invoice SET charges_diagnosis_fee = NOT charges_diagnosis_fee WHERE id = %s",
        [invoice.pk],
    )
    refused(
        "UPDATE billing_invoice SET ticket_id = NULL, customer_vat_id = 'FR00' WHERE id = %s", [invoice.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoice SET status = 'lapsed', closed_at = now() WHERE id = %s", [invoice.pk]
        )
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.State.LAPSED


def test_a_cancelled_invoice_never_opens_again(customer_account):
    invoice = issue_invoice(customer_account)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoice SET status = 'refused', closed_at = now() WHERE id = %s", [invoice.pk]
        )
    refused("UPDATE billing_invoice SET status = 'open', closed_at = NULL WHERE id = %s", [invoice.pk])


def test_a_payment_changes_only_to_record_its_reversal_once(customer_account, finance):
    invoice = issue_invoice(customer_account)
    payment = invoice_pay(
        invoice=invoice, amount=Decimal("5.00"), received_on=timezone.localdate(), by=finance
    )
    refused(
        "UPDATE billing_payment SET reversed_at = now(), reversal_reason = 'x', amount = 1 WHERE id = %s",
        [payment.pk],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_payment SET reversed_at = now(), reversal_reason = 'typo' WHERE id = %s",
            [payment.pk],
        )
    refused("UPDATE billing_payment SET reversal_reason = 'other' WHERE id = %s", [payment.pk])
    refused("UPDATE billing_payment SET reversed_at = NULL WHERE id = %s", [payment.pk])
    refused("DELETE FROM billing_payment WHERE id = %s", [payment.pk])
    assert Payment.objects.get(pk=payment.pk).reversal_reason == "typo"
