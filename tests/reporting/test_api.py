"""The receivables report of the API: open amounts by days to due, refused and lapsed by month, bans, fees."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing.services import invoice_pay, invoice_refuse
from ops.sweeps import deadlines_enforce
from reporting.api import ReceivablesReportOutput
from reporting.selectors import receivables_report
from tests.billing.conftest import issue_invoice
from tests.representation import generic
from tests.workflow import API, client_for, diagnosed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_receivables_report(finance, customer, agent, customer_account, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due_soon = issue_invoice(customer_account)  # due in 30 days
    with time_machine.travel(today - timedelta(days=25)):
        week = issue_invoice(customer_account)  # due in 5 days
        paid_half = issue_invoice(customer_account, unit_price="50.00")  # 60.00 gross
    with time_machine.travel(today - timedelta(days=18)):
        fortnight = issue_invoice(customer_account)  # due in 12 days
    invoice_pay(invoice=paid_half, amount=paid_half.gross / 2, received_on=today, by=finance)
    diagnosed(customer, agent, "provider_fault")
    refused = issue_invoice(customer_account, unit_price="10.00")
    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=refused, reason="no", by=customer)

    report = client_for(finance).get(f"{API}/reports/receivables/")
    assert report.status_code == 200
    body = report.json()
    buckets = {row["days_to_due"]: (row["amount"], row["invoices"]) for row in body["open_by_days_to_due"]}
    # 0-7: `week` (24.00) and half of `paid_half` (30.00); 8-14: `fortnight`; 15-30: `due_soon`.
    assert buckets == {
        "overdue": ("0.00", 0),
        "0-7": ("54.00", 2),
        "8-14": ("24.00", 1),
        "15-30": ("24.00", 1),
    }
    assert (week.due_on - today).days == 5 and (fortnight.due_on - today).days == 12
    assert (due_soon.due_on - today).days == 30
    month = today.strftime("%Y-%m")
    assert body["refused_and_lapsed_by_month"] == [
        {"month": month, "status": "refused", "currency": "EUR", "amount": "12.00", "invoices": 1}
    ]
    assert body["bans_by_month"] == [{"month": month, "banned": 1, "reinstated": 0}]
    assert body["diagnosis_fees"] == [
        {
            "rule": "waived_service_guarantee",
            "charged": False,
            "currency": "EUR",
            "diagnoses": 1,
            "net": "20.00",
            "gross": "24.00",
        }
    ]
    # The representation compiled once (config.serializers) writes what DRF's walk over the fields writes.
    report_data = receivables_report(today=today)
    assert ReceivablesReportOutput(report_data).data == generic(ReceivablesReportOutput, report_data)


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_receivables_report_is_for_finance_and_admins(request, role, admin_user):
    assert client_for(request.getfixturevalue(role)).get(f"{API}/reports/receivables/").status_code == 403
    assert client_for(admin_user).get(f"{API}/reports/receivables/").status_code == 200


def test_lapsed_amounts_are_reported_by_the_month_of_their_credit_note(
    finance, customer_account, django_capture_on_commit_callbacks
):
    invoice = issue_invoice(customer_account)
    later = timezone.now() + timedelta(days=31)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        deadlines_enforce()
        body = client_for(finance).get(f"{API}/reports/receivables/").json()
    assert body["refused_and_lapsed_by_month"] == [
        {
            "month": timezone.localdate(later).strftime("%Y-%m"),
            "status": "lapsed",
            "currency": "EUR",
            "amount": str(invoice.gross),
            "invoices": 1,
        }
    ]
