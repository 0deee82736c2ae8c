"""The French e-reporting export: consumers' sales per day, cross-border business sales per document,
payments received; domestic business sales (e-invoiced) are not in it (LAW-18)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.services import LineSpec, invoice_issue, invoice_pay, invoice_refuse
from tests.conftest import api_for
from tests.factories import CustomerFactory, UserFactory

URL = "/api/v1/reports/e-reporting.csv"
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def sell(customer, amount: str, *, day: int = 3):
    with time_machine.travel(datetime(2026, 3, day, 10, 0, tzinfo=UTC), tick=False):
        line = LineSpec(description="Diagnostic", quantity=Decimal("1"), unit_price=Decimal(amount))
        return invoice_issue(customer=customer, lines=[line], service_date=date(2026, 3, day))


@pytest.fixture
def march(db):
    consumer = CustomerFactory(country="FR", language="fr")
    belgian = CustomerFactory(country="BE", vat_id="BE0403019261", language="fr")
    swiss = CustomerFactory(country="CH", vat_id="CHE116281710MWST", language="en")
    french_business = CustomerFactory(country="FR", vat_id="FR40303265045")
    paid = sell(consumer, "20.00")
    refused = sell(consumer, "100.00")
    sell(belgian, "50.00", day=4)
    sell(swiss, "70.00", day=5)
    sell(french_business, "30.00")  # e-invoiced: not reported
    finance = UserFactory(role="finance")
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=UTC), tick=False):
        invoice_pay(invoice=paid, amount=Decimal("24.00"), received_on=date(2026, 3, 10), by=finance)
        invoice_refuse(invoice=refused, reason="disputed", by=consumer.users.first() or finance)
    return finance


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_each_section_of_the_reform(march):
    response = api_for(march).get(URL, PERIOD)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = [
        (r["section"], r["date"], r["buyer_country"], r["vat_category"], r["vat_rate"], r["net"], r["gross"])
        for r in rows_of(response)
    ]
    assert rows == [
        # The consumer's two invoices of the 3rd; the credit note cancelling one, on its own day, negative.
        ("b2c_day", "2026-03-03", "", "S", "20.00", "120.00", "144.00"),
        ("b2c_day", "2026-03-10", "", "S", "20.00", "-100.00", "-120.00"),
        ("b2b_cross_border", "2026-03-04", "BE", "AE", "0.00", "50.00", "50.00"),
        ("b2b_cross_border", "2026-03-05", "CH", "O", "0.00", "70.00", "70.00"),
        ("payment", "2026-03-10", "FR", "S", "20.00", "", "24.00"),
    ]


def test_a_period_is_checked_and_only_finance_exports(march):
    finance = api_for(march)

    assert finance.get(URL, {"start": "2026-03-31", "end": "2026-03-01"}).status_code == 400
    assert finance.get(URL, {"start": "2026-01-01", "end": "2027-06-01"}).status_code == 400
    assert finance.get(URL, {"start": "March"}).status_code == 400
    assert finance.get(URL, {**PERIOD, "entity": "ZZ"}).status_code == 404
    assert api_for(UserFactory(role="agent")).get(URL, PERIOD).status_code == 403


def test_the_export_takes_a_bounded_number_of_queries(march, django_assert_max_num_queries):
    for _ in range(3):
        sell(CustomerFactory(country="BE", vat_id="BE0403019261"), "10.00", day=6)
    with django_assert_max_num_queries(8):
        rows_of(api_for(march).get(URL, PERIOD))
