"""Finance portal: open invoices with aging, CSV, payments, banned accounts, reinstatement, receivables."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from billing.models import Invoice
from billing.services import ban_apply, invoice_refuse
from tests.billing.test_views_customer import billed
from tests.portals import HOSTILE, browser, statuses

pytestmark = pytest.mark.django_db

PAGES = [
    "finance:billing:invoices",
    "finance:billing:closed",
    "finance:billing:export",
    "finance:billing:banned",
    "finance:reporting:receivables",
]


@pytest.mark.parametrize("name", PAGES)
def test_finance_pages_are_for_finance_only(name, customer, agent, finance, admin_user):
    assert statuses(reverse(name), finance, admin_user, customer, agent) == [200, 200, 403, 403]


def test_open_invoices_by_due_day_with_aging_filter(customer, agent, finance):
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        first = billed(customer, agent)  # due yesterday
    second = billed(customer, agent)
    client = browser(finance)
    page = client.get(reverse("finance:billing:invoices"))
    assert [i.pk for i in page.context["page"]] == [first.pk, second.pk]
    overdue = client.get(reverse("finance:billing:invoices") + "?aging=overdue")
    assert [i.pk for i in overdue.context["page"]] == [first.pk]


def test_the_all_status_filter_lists_invoices_of_every_status(customer, agent, finance):
    open_one = billed(customer, agent)
    paid = billed(customer, agent)
    client = browser(finance)
    client.post(
        reverse("finance:billing:pay", args=[paid.pk]),
        {"amount": str(paid.gross), "received_on": timezone.localdate()},
    )
    default = client.get(reverse("finance:billing:invoices"))
    every = client.get(reverse("finance:billing:invoices") + "?status=all")
    assert [i.pk for i in default.context["page"]] == [open_one.pk]
    assert {i.pk for i in every.context["page"]} == {open_one.pk, paid.pk}
    assert '<option value="all" selected>' in every.content.decode()


def test_csv_export_defuses_formulas(customer, agent, finance):
    Customer.objects.filter(pk=customer.customer_id).update(name='=HYPERLINK("http://x")')
    billed(customer, agent)
    response = browser(finance).get(reverse("finance:billing:export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in b"".join(response.streaming_content).decode()


def test_recording_a_payment_settles_the_invoice(customer, agent, finance):
    invoice = billed(customer, agent)
    url = reverse("finance:billing:pay", args=[invoice.pk])
    response = browser(finance).post(
        url, {"amount": str(invoice.gross), "received_on": timezone.localdate(), "reference": "VIR 123"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.PAID


def test_overpayment_and_future_dates_are_readable_errors(customer, agent, finance):
    invoice = billed(customer, agent)
    url = reverse("finance:billing:pay", args=[invoice.pk])
    too_much = browser(finance).post(url, {"amount": "99999", "received_on": timezone.localdate()})
    future = browser(finance).post(
        url, {"amount": "1", "received_on": timezone.localdate() + timedelta(days=3)}
    )
    assert too_much.status_code == 400 and future.status_code == 400
    assert "errorlist" in too_much.content.decode()


def test_a_payment_dated_before_the_invoice_is_a_form_error(customer, agent, finance):
    invoice = billed(customer, agent)
    response = browser(finance).post(
        reverse("finance:billing:pay", args=[invoice.pk]), {"amount": "1", "received_on": "1999-03-01"}
    )
    assert response.status_code == 400
    assert "before the invoice was issued" in response.content.decode()
    assert not invoice.payments.exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_payment_form_survives_hostile_input(customer, agent, finance, value):
    invoice = billed(customer, agent)
    response = browser(finance).post(
        reverse("finance:billing:pay", args=[invoice.pk]),
        {"amount": value, "received_on": value, "reference": value},
    )
    assert response.status_code == 400


def test_banned_account_is_listed_with_its_reason_and_reinstated(customer, agent, finance):
    invoice = billed(customer, agent)
    invoice_refuse(invoice=invoice, reason="Nothing was fixed", by=customer)
    ban_apply(ban=invoice.ban_events.get())
    client = browser(finance)
    assert "Nothing was fixed" in client.get(reverse("finance:billing:banned")).content.decode()
    url = reverse("finance:billing:reinstate", args=[customer.customer_id])
    client.post(url, {"reason": ""})
    assert Customer.objects.get(pk=customer.customer_id).is_banned
    client.post(url, {"reason": "Paid by cheque"})
    assert not Customer.objects.get(pk=customer.customer_id).is_banned
    again = client.post(url, {"reason": "twice"}, follow=True)
    assert again.status_code == 200 and list(again.context["messages"])
    assert client.get(reverse("finance:billing:history", args=[customer.customer_id])).status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_finance_lists_do_not_grow_with_rows(customer, agent, finance, rows, django_assert_max_num_queries):
    for _ in range(rows):
        billed(customer, agent)
    client = browser(finance)
    for name in ("finance:billing:invoices", "finance:billing:closed", "finance:reporting:receivables"):
        with django_assert_max_num_queries(10):
            assert client.get(reverse(name)).status_code == 200
