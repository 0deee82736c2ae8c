"""The receivables report is computed once per state of the data: repeated reads are cheap, never stale."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.services import LineSpec, invoice_issue, invoice_pay
from tests.conftest import api_for

URL = "/api/v1/reports/receivables/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def owed(report) -> Decimal:
    return sum(Decimal(row["amount"]) for row in report["open_by_days_to_due"])


def test_a_second_read_does_not_sum_again_and_any_new_money_row_shows_at_once(
    finance, customer_account, customer
):
    client = api_for(finance)
    invoice = invoice_issue(
        customer=customer_account,
        lines=[LineSpec("Work", Decimal("1"), Decimal("10.00"))],
        service_date=timezone.localdate(),
    )
    with CaptureQueriesContext(connection) as first:
        before = client.get(URL).json()
    with CaptureQueriesContext(connection) as second:
        assert client.get(URL).json() == before
    assert len(second) < len(first)
    invoice_pay(
        invoice=invoice, amount=Decimal("5.00"), received_on=timezone.localdate(), reference="r", by=finance
    )
    after = client.get(URL).json()
    assert owed(after) == owed(before) - Decimal("5.00")
    invoice_issue(
        customer=customer_account,
        lines=[LineSpec("More", Decimal("1"), Decimal("100.00"))],
        service_date=timezone.localdate(),
    )
    assert owed(client.get(URL).json()) > owed(after)
