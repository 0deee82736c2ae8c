"""Invoice numbers: one series per billing entity and year, consecutive, no gap, no duplicate."""

from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from billing.models import Invoice
from billing.services import LineSpec, invoice_issue
from tests.concurrency import run_together
from tests.factories import CustomerFactory

LINE = [LineSpec(description="Diagnosis", quantity=Decimal("1"), unit_price=Decimal("20.00"))]


def issue(customer):
    return invoice_issue(customer=customer, lines=LINE, service_date=timezone.localdate()).number


@pytest.mark.django_db
def test_numbers_are_per_entity_and_year():
    french, german = CustomerFactory(country="FR"), CustomerFactory(country="DE")
    year = timezone.localdate().year
    assert [issue(french), issue(french), issue(german)] == [
        f"FR-{year}-000001",
        f"FR-{year}-000002",
        f"DE-{year}-000001",
    ]
    with time_machine.travel(timezone.now().replace(year=year + 1, month=1, day=2)):
        assert issue(french) == f"FR-{year + 1}-000001"


@pytest.mark.django_db
def test_invoice_is_due_30_days_after_issue_with_vat_on_the_total():
    invoice = invoice_issue(
        customer=CustomerFactory(country="DE"), lines=LINE * 3, service_date=timezone.localdate()
    )
    assert (invoice.due_on - invoice.issued_on).days == 30
    assert (invoice.net, invoice.vat_rate, invoice.vat, invoice.gross) == (
        Decimal("60.00"),
        Decimal("19.00"),
        Decimal("11.40"),
        Decimal("71.40"),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_rolled_back_issue_leaves_no_gap():
    customer = CustomerFactory(country="FR")
    first = issue(customer)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(customer)
        raise RuntimeError("the surrounding use case failed after drawing a number")
    assert int(issue(customer)[-6:]) == int(first[-6:]) + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_twenty_parallel_issuers_get_consecutive_numbers():
    customers = [CustomerFactory(country="FR") for _ in range(20)]
    results = run_together(*[lambda c=c: issue(c) for c in customers])
    assert all(isinstance(number, str) for number in results), results
    sequence = sorted(int(number[-6:]) for number in results)
    assert sequence == list(range(1, 21))
    assert Invoice.objects.values("number").distinct().count() == 20
