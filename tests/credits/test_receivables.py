"""SLA credits in finance's receivables: their own line, apart from the refused and lapsed invoices, in the
API, on the page and in the CSV."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services import invoice_refuse
from tests.billing.conftest import issue_invoice
from tests.credits.conftest import grant, open_claim
from tests.portals import browser
from tests.workflow import API, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_both(customer, agent, customer_account, sla_service):
    """A refused invoice of 12.00 and an SLA credit of 21.60 (18.00 net) this month."""
    grant(agent, open_claim(customer, sla_service)["id"])
    invoice_refuse(invoice=issue_invoice(customer_account, unit_price="10.00"), reason="no", by=customer)
    return timezone.localdate().strftime("%Y-%m")


def test_the_report_shows_sla_credits_apart_from_cancellations(finance, month_of_both):
    body = client_for(finance).get(f"{API}/reports/receivables/").json()

    assert body["refused_and_lapsed_by_month"] == [
        {"month": month_of_both, "status": "refused", "currency": "EUR", "amount": "12.00", "invoices": 1}
    ]
    assert body["sla_credits_by_month"] == [
        {"month": month_of_both, "currency": "EUR", "net": "18.00", "gross": "21.60", "credit_notes": 1}
    ]
    # The credit is owed back as a refund, beside what was paid on cancelled invoices.
    assert body["refunds_owed"] == [{"currency": "EUR", "amount": "21.60", "refunds": 1}]


def test_the_csv_has_each_kind_of_credit_note_on_its_own_line(finance, month_of_both):
    response = client_for(finance).get(f"{API}/reports/receivables/credit-notes.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["month", "kind", "currency", "credit_notes", "gross"],
        [month_of_both, "sla_credit", "EUR", "1", "21.60"],
        [month_of_both, "refused", "EUR", "1", "12.00"],
    ]
    assert client_for(finance).get(f"{API}/reports/receivables/credit-notes.csv?sep=tab").status_code == 400


def test_the_finance_page_shows_the_sla_credits_and_its_csv_speaks_the_spreadsheets_language(
    finance, month_of_both, django_assert_max_num_queries
):
    client = browser(finance)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("finance:reporting:receivables"))

    assert page.status_code == 200
    section = page.content.decode().split('id="sla-credits"')[1].split("</section>")[0]
    assert "21,60" in section or "21.60" in section
    export = client.get(reverse("finance:reporting:credit-notes-csv") + "?sep=semicolon&decimal=comma")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[1].endswith(";21,60") and "sla_credit" in lines[1]


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_only_finance_reads_the_csv(role, customer, agent):
    user = {"customer": customer, "agent": agent}[role]

    assert client_for(user).get(f"{API}/reports/receivables/credit-notes.csv").status_code == 403
    assert browser(user).get(reverse("finance:reporting:credit-notes-csv")).status_code == 403
