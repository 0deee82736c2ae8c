"""Finance's invoice rows built in Python: every value escaped, amounts localised, the aging bucket."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from billing import aging
from billing.models import Invoice
from billing.presenters import invoice_table
from billing.selectors import with_amounts
from tests.billing.conftest import issue_invoice

pytestmark = pytest.mark.django_db


def rows_of(*invoices, today=None):
    fresh = Invoice.objects.select_related("customer").filter(pk__in=[i.pk for i in invoices]).order_by("id")
    return invoice_table(with_amounts(fresh), today=today or timezone.localdate()).rows


def test_the_customer_name_is_escaped_and_the_amounts_localised(customer_account, customer):
    customer_account.name = "<img src=x onerror=alert(1)> & Co"
    customer_account.save()
    invoice = issue_invoice(customer_account)
    with translation.override("fr"):
        (row,) = rows_of(invoice)
    assert "<img" not in row and "&lt;img src=x onerror=alert(1)&gt; &amp; Co (FR)" in row
    assert "24,00\u00a0€" in row and f'href="{reverse("finance:billing:invoice", args=[invoice.pk])}"' in row


@pytest.mark.parametrize(
    ("days_after_issue", "bucket"), [(0, "15-30"), (16, "8-14"), (23, "0-7"), (31, "overdue")]
)
def test_the_aging_bucket_follows_the_days_left(customer_account, customer, days_after_issue, bucket):
    invoice = issue_invoice(customer_account)
    today = invoice.issued_on + timedelta(days=days_after_issue)
    assert aging.bucket_of(invoice, today=today).name == bucket
    (row,) = rows_of(invoice, today=today)
    assert ("<strong>" in row) == (bucket == "overdue")


def test_a_closed_invoice_owes_nothing_and_has_no_bucket(customer_account, customer):
    invoice = issue_invoice(customer_account)
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.State.REFUSED, closed_at=timezone.now())
    invoice.refresh_from_db()
    assert aging.bucket_of(invoice, today=timezone.localdate()) is None
    (row,) = rows_of(invoice)
    assert 'data-label="Amount due">€0.00</td>' in row
