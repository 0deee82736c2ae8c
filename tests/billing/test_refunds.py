"""Red team, issue 15: refusing a partly paid invoice credited the full amount and kept the payment, with no
trace of the money owed back.

The contract's spirit: a refused (or lapsed) invoice is cancelled by a credit note, and the customer owes
nothing more. So the credit note covers the whole invoice (LAW-19, REL-07: the payment stays on record),
and what the customer had paid is recorded as a refund owed, which finance marks refunded once sent.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import CreditNote, Refund
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.portals import browser, statuses
from tests.workflow import API, client_for

pytestmark = pytest.mark.django_db


def pay(invoice, amount: str, by=None):
    return services.invoice_pay(
        invoice=invoice, amount=Decimal(amount), received_on=timezone.localdate(), reference="T", by=by
    )


def refuse(customer, invoice):
    response = client_for(customer).post(
        f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "Not what we agreed"}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def mark_refunded(user, refund_id, reference="SEPA-2026-42"):
    return client_for(user).post(
        f"{API}/refunds/{refund_id}/mark-refunded/", {"reference": reference}, format="json"
    )


def overdue_day(invoice):
    return invoice.due_on + timedelta(days=1)


@pytest.fixture
def partly_paid(customer_account, finance):
    invoice = issue_invoice(customer_account)  # 24.00 gross
    pay(invoice, "10.00", by=finance)
    return invoice


def test_refusing_a_partly_paid_invoice_credits_it_in_full_and_owes_back_what_was_paid(
    customer, customer_account, partly_paid
):
    body = refuse(customer, partly_paid)

    assert (body["status"], body["amount_due"], body["amount_paid"]) == ("refused", "0.00", "10.00")
    assert CreditNote.objects.get(invoice=partly_paid).gross == partly_paid.gross == Decimal("24.00")
    refund = Refund.objects.get()
    assert (refund.customer_id, refund.invoice_id, refund.amount, refund.currency, refund.status) == (
        customer_account.pk,
        partly_paid.pk,
        Decimal("10.00"),
        "EUR",
        "owed",
    )


def test_refusing_an_unpaid_invoice_owes_nothing_back(customer, invoice):
    refuse(customer, invoice)

    assert not Refund.objects.exists()


def test_a_lapse_cancels_the_debt_too_so_what_was_paid_is_owed_back(customer_account, partly_paid, finance):
    unpaid = issue_invoice(customer_account)
    other = issue_invoice(customer_account)
    pay(other, "0.01", by=finance)

    lapsed = services.invoices_lapse(
        invoice_ids=[partly_paid.pk, unpaid.pk, other.pk], today=overdue_day(partly_paid)
    )

    assert len(lapsed) == 3
    assert sorted(Refund.objects.values_list("invoice_id", "amount")) == [
        (partly_paid.pk, Decimal("10.00")),
        (other.pk, Decimal("0.01")),
    ]


def test_finance_lists_refunds_and_filters_them(customer, other_customer, finance, admin_user, partly_paid):
    refuse(customer, partly_paid)
    elsewhere = issue_invoice(other_customer.customer)
    pay(elsewhere, "5.00", by=finance)
    refuse(other_customer, elsewhere)
    mine, theirs = Refund.objects.get(invoice=partly_paid), Refund.objects.get(invoice=elsewhere)
    assert mark_refunded(finance, theirs.pk).status_code == 200

    listing = client_for(admin_user).get(f"{API}/refunds/")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [theirs.pk, mine.pk]  # newest first
    first = listing.json()["results"][1]
    assert first == {
        "id": mine.pk,
        "customer": customer.customer_id,
        "customer_name": customer.customer.name,
        "invoice": partly_paid.pk,
        "invoice_number": partly_paid.number,
        "credit_note": None,
        "credit_note_number": None,
        "amount": "10.00",
        "currency": "EUR",
        "status": "owed",
        "reference": "",
        "created_at": first["created_at"],
        "refunded_at": None,
        "refunded_by": None,
    }
    owed = client_for(finance).get(f"{API}/refunds/?status=owed").json()["results"]
    assert [r["id"] for r in owed] == [mine.pk]
    by_customer = client_for(finance).get(f"{API}/refunds/?customer={other_customer.customer_id}").json()
    assert [r["id"] for r in by_customer["results"]] == [theirs.pk]
    paged = client_for(finance).get(f"{API}/refunds/?page_size=1").json()
    assert len(paged["results"]) == 1 and paged["next"] is not None
    assert client_for(finance).get(f"{API}/refunds/?status=lost").status_code == 400


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_refunds_are_finances_and_admins_only(request, role, partly_paid):
    user = request.getfixturevalue(role)
    assert client_for(user).get(f"{API}/refunds/").status_code == 403


def test_marking_a_refund_refunded_records_who_when_and_the_reference_once(customer, finance, partly_paid):
    refuse(customer, partly_paid)
    refund = Refund.objects.get()

    response = mark_refunded(finance, refund.pk)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reference"], body["refunded_by"]) == (
        "refunded",
        "SEPA-2026-42",
        finance.pk,
    )
    assert body["refunded_at"] is not None
    again = mark_refunded(finance, refund.pk, reference="other")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert Refund.objects.get().reference == "SEPA-2026-42"


def test_marking_needs_a_reference_and_an_existing_refund(customer, finance, partly_paid):
    refuse(customer, partly_paid)
    refund = Refund.objects.get()

    assert (
        client_for(finance).post(f"{API}/refunds/{refund.pk}/mark-refunded/", {}, format="json").status_code
        == 400
    )
    assert mark_refunded(finance, refund.pk, reference="").status_code == 400
    assert mark_refunded(finance, 987654).status_code == 404
    assert Refund.objects.get().status == "owed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_two_markings_at_once_one_wins(customer, finance, admin_user, partly_paid):
    refuse(customer, partly_paid)
    refund = Refund.objects.get()

    results = run_together(
        lambda: mark_refunded(finance, refund.pk, "A"), lambda: mark_refunded(admin_user, refund.pk, "B")
    )

    assert sorted(r.status_code for r in results) == [200, 409]
    assert Refund.objects.get().reference in ("A", "B")


def test_the_refund_list_costs_as_many_queries_for_many_rows_as_for_one(
    customer_account, finance, django_assert_max_num_queries
):
    def owe(count):
        for _ in range(count):
            invoice = issue_invoice(customer_account)
            pay(invoice, "1.00", by=finance)
            services.invoice_refuse(invoice=invoice, reason="no", by=None)

    owe(1)
    with django_assert_max_num_queries(4) as one:
        assert client_for(finance).get(f"{API}/refunds/").status_code == 200
    owe(20)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client_for(finance).get(f"{API}/refunds/").json()["results"]) == 21


def test_the_finance_page_lists_refunds_owed_and_marks_one_refunded(
    customer, finance, admin_user, agent, partly_paid
):
    url = reverse("finance:billing:refunds")
    assert statuses(url, finance, admin_user, customer, agent) == [200, 200, 403, 403]
    refuse(customer, partly_paid)
    refund = Refund.objects.get()
    client = browser(finance)

    page = client.get(url)
    assert partly_paid.number in page.content.decode()
    assert [r.pk for r in page.context["page"]] == [refund.pk]

    marked = client.post(reverse("finance:billing:refund-mark", args=[refund.pk]), {"reference": "SEPA-1"})
    assert marked.status_code == 302
    assert Refund.objects.get().status == "refunded"
    assert [r.pk for r in client.get(url).context["page"]] == []
    again = client.post(
        reverse("finance:billing:refund-mark", args=[refund.pk]), {"reference": "x"}, follow=True
    )
    assert again.status_code == 200 and list(again.context["messages"])
    assert browser(customer).post(reverse("finance:billing:refund-mark", args=[refund.pk])).status_code == 403


def test_the_receivables_report_shows_the_refunds_owed(customer, finance, partly_paid):
    refuse(customer, partly_paid)

    report = client_for(finance).get(f"{API}/reports/receivables/").json()
    assert report["refunds_owed"] == [{"currency": "EUR", "amount": "10.00", "refunds": 1}]
    page = browser(finance).get(reverse("finance:reporting:receivables")).content.decode()
    assert "10,00" in page or "10.00" in page

    mark_refunded(finance, Refund.objects.get().pk)
    assert client_for(finance).get(f"{API}/reports/receivables/").json()["refunds_owed"] == []
