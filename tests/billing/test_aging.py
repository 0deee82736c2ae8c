"""The aging buckets: one definition of overdue and of each bucket, the same in Python and in SQL, and
the same wherever finance sees them (its list's filter and column, the API's filter, the report)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import aging
from billing.models import Invoice
from billing.services import invoice_pay, invoice_refuse
from tests.billing.conftest import issue_invoice
from tests.portals import browser
from tests.workflow import API, client_for

pytestmark = pytest.mark.django_db

BOUNDS = [(-30, "overdue"), (-1, "overdue"), (0, "0-7"), (7, "0-7"), (8, "8-14"), (14, "8-14")]
BOUNDS += [(15, "15-30"), (30, "15-30"), (31, None)]


@pytest.mark.parametrize(("days_left", "bucket"), BOUNDS)
def test_an_open_invoice_is_in_the_bucket_of_its_days_left(invoice, days_left, bucket):
    today = invoice.due_on - timedelta(days=days_left)
    found = aging.bucket_of(invoice, today=today)
    assert (found.name if found else None) == bucket
    assert aging.is_overdue(invoice, today=today) == (bucket == "overdue")
    assert aging.days_left(invoice, today=today) == days_left


def test_an_invoice_no_longer_owed_is_in_no_bucket_and_never_overdue(invoice, customer):
    invoice_refuse(invoice=invoice, reason="no", by=customer)
    invoice.refresh_from_db()
    past_due = invoice.due_on + timedelta(days=5)
    assert aging.bucket_of(invoice, today=past_due) is None and not aging.is_overdue(invoice, today=past_due)


def test_sql_and_python_put_every_invoice_in_the_same_bucket(customer_account, customer, finance):
    open_, paid, refused = (issue_invoice(customer_account) for _ in range(3))
    invoice_pay(invoice=paid, amount=paid.gross, received_on=timezone.localdate(), by=finance)
    invoice_refuse(invoice=refused, reason="no", by=customer)
    invoices = list(Invoice.objects.all())
    for days_left in range(-3, 34):  # every bound, and beyond the last one
        today = open_.due_on - timedelta(days=days_left)
        for bucket in aging.BUCKETS:
            in_sql = set(
                Invoice.objects.filter(aging.bucket_q(bucket, today=today)).values_list("pk", flat=True)
            )
            in_python = {i.pk for i in invoices if aging.bucket_of(i, today=today) is bucket}
            assert in_sql == in_python, (days_left, bucket.name)


@pytest.fixture
def at_each_bound(customer_account, customer):
    """Open invoices due at each bound of a bucket from today, and a refused one past its due day."""
    now = timezone.now()
    invoices = {}
    for days_left, _bucket in BOUNDS[1:-1]:
        with time_machine.travel(now - timedelta(days=30 - days_left)):  # due 30 days after issue
            invoices[days_left] = issue_invoice(customer_account)
    with time_machine.travel(now - timedelta(days=40)):
        refused = issue_invoice(customer_account)
    invoice_refuse(invoice=refused, reason="no", by=customer)
    return invoices


def expected(bucket: aging.Bucket) -> set[int]:
    today = timezone.localdate()
    return {i.pk for i in Invoice.objects.all() if aging.bucket_of(i, today=today) is bucket}


@pytest.mark.parametrize("bucket", aging.BUCKETS, ids=lambda bucket: bucket.name)
def test_finance_lists_and_labels_the_invoices_of_a_bucket(at_each_bound, finance, bucket):
    page = browser(finance).get(reverse("finance:billing:invoices") + f"?aging={bucket.name}")
    assert {i.pk for i in page.context["page"]} == expected(bucket) != set()
    assert all(str(bucket.label) in row for row in page.context["table"].rows)


def test_the_apis_overdue_filter_is_the_overdue_bucket(at_each_bound, finance):
    client = client_for(finance)
    overdue = {i["id"] for i in client.get(f"{API}/invoices/?overdue=true").json()["results"]}
    not_overdue = {i["id"] for i in client.get(f"{API}/invoices/?overdue=false").json()["results"]}
    assert overdue == expected(aging.OVERDUE) != set()
    assert not_overdue == set(Invoice.objects.values_list("pk", flat=True)) - overdue


def test_the_report_counts_the_invoices_of_each_bucket(at_each_bound, finance):
    rows = client_for(finance).get(f"{API}/reports/receivables/").json()["open_by_days_to_due"]
    assert {row["days_to_due"]: row["invoices"] for row in rows} == {
        bucket.name: len(expected(bucket)) for bucket in aging.BUCKETS
    }
