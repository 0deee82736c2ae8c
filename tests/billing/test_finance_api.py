"""Finance: invoice filters, the streamed CSV export, and constant query counts."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing.services import invoice_refuse
from tests.billing.conftest import issue_invoice
from tests.factories import CustomerFactory
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def numbers(response):
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def three_invoices(customer_account, other_customer):
    today = timezone.localdate()
    with time_machine.travel(today - timedelta(days=20)):
        old = issue_invoice(customer_account)
    with time_machine.travel(today - timedelta(days=35)):
        overdue = issue_invoice(customer_account)
    recent = issue_invoice(other_customer.customer)
    return old, overdue, recent


def test_invoices_filter_by_status_customer_dates_and_overdue(finance, customer, three_invoices):
    old, overdue, recent = three_invoices
    client = client_for(finance)
    today = timezone.localdate()
    assert numbers(client.get(f"{API}/invoices/?customer={old.customer_id}")) == [overdue.number, old.number]
    assert numbers(client.get(f"{API}/invoices/?issued_from={today - timedelta(days=21)}")) == [
        recent.number,
        old.number,
    ]
    assert numbers(client.get(f"{API}/invoices/?issued_to={today - timedelta(days=21)}")) == [overdue.number]
    assert numbers(client.get(f"{API}/invoices/?due_from={today}&due_to={today + timedelta(days=10)}")) == [
        old.number
    ]
    assert numbers(client.get(f"{API}/invoices/?overdue=true")) == [overdue.number]
    assert numbers(client.get(f"{API}/invoices/?overdue=false")) == [recent.number, old.number]
    invoice_refuse(invoice=old, reason="no", by=customer)
    assert numbers(client.get(f"{API}/invoices/?status=refused")) == [old.number]


@pytest.mark.parametrize(
    "query",
    [
        "status=unpaid",
        "customer=0",
        "customer=abc",
        "issued_from=yesterday",
        "due_to=2026-13-01",
        "overdue=maybe",
        "customer=99999999999999999999",
    ],
)
def test_bad_filters_are_a_400(finance, query):
    assert client_for(finance).get(f"{API}/invoices/?{query}").status_code == 400
    assert client_for(finance).get(f"{API}/invoices/export.csv?{query}").status_code == 400


def test_csv_export_streams_the_filtered_list(finance, three_invoices):
    old, overdue, recent = three_invoices
    response = client_for(finance).get(f"{API}/invoices/export.csv?customer={old.customer_id}")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["number"], r["status"], r["gross"], r["amount_due"]) for r in rows] == [
        (overdue.number, "open", "24.00", "24.00"),
        (old.number, "open", "24.00", "24.00"),
    ]


def test_csv_export_defuses_spreadsheet_formulas(finance):
    account = CustomerFactory(name='=HYPERLINK("http://evil")')
    issue_invoice(account)
    body = b"".join(client_for(finance).get(f"{API}/invoices/export.csv").streaming_content).decode()
    assert list(csv.DictReader(io.StringIO(body)))[0]["customer_name"].startswith("'=")


def test_customers_export_only_their_own_invoices_and_agents_nothing(customer, agent, three_invoices):
    body = b"".join(client_for(customer).get(f"{API}/invoices/export.csv").streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(body)))) == 2
    assert client_for(agent).get(f"{API}/invoices/export.csv").status_code == 403


def test_invoice_list_query_count_does_not_grow_with_rows(
    finance, customer_account, django_assert_max_num_queries
):
    client = client_for(finance)
    issue_invoice(customer_account)
    with django_assert_max_num_queries(4) as one:
        assert len(numbers(client.get(f"{API}/invoices/"))) == 1
    for _ in range(49):
        issue_invoice(customer_account)
    with django_assert_max_num_queries(len(one)):
        assert len(client.get(f"{API}/invoices/?page_size=50").json()["results"]) == 50


def test_ban_history_query_count_does_not_grow_with_rows(
    finance, customer, customer_account, django_assert_max_num_queries
):
    from billing.services import ban_apply, customer_reinstate

    def ban_and_reinstate():
        invoice_refuse(invoice=issue_invoice(customer_account), reason="no", by=customer)
        ban_apply(ban=customer_account.ban_events.get(applied_at__isnull=True))
        customer_reinstate(customer=customer_account, reason="ok", by=finance)

    ban_and_reinstate()
    url = f"{API}/customers/{customer_account.pk}/bans/"
    with django_assert_max_num_queries(3) as few:
        assert len(client_for(finance).get(url).json()["results"]) == 2
    for _ in range(24):
        ban_and_reinstate()
    with django_assert_max_num_queries(len(few)):
        assert len(client_for(finance).get(f"{url}?page_size=50").json()["results"]) == 50
