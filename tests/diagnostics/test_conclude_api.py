"""Every row of the outcome table over HTTP, as an agent concludes and the customer sees it."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from tests.workflow import API, QUOTE, client_for, conclude, diagnosed, invoice, open_incident, start

pytestmark = pytest.mark.django_db


def test_fixed_resolves_and_bills_the_fee_now(customer, agent):
    ticket = diagnosed(customer, agent, "fixed")
    assert ticket["status"] == "resolved"
    assert ticket["diagnosis"]["outcome"] == "fixed"
    assert ticket["diagnosis"]["fee_charged"] is True
    assert ticket["diagnosis"]["agent"] == agent.pk
    assert len(ticket["invoices"]) == 1
    bill = invoice(customer, ticket["invoices"][0])
    assert (bill["net"], bill["vat_rate"], bill["vat"], bill["gross"]) == ("20.00", "20.00", "4.00", "24.00")
    assert bill["lines"] == [
        {
            "description": f"Diagnostic d’incident, ticket n°\u00a0{ticket['id']}",
            "quantity": "1.00",
            "unit_price": "20.00",
            "net": "20.00",
        }
    ]
    assert bill["status"] == "open" and bill["amount_due"] == "24.00" and bill["amount_paid"] == "0.00"
    assert bill["ticket"] == ticket["id"] and bill["credit_note"] is None


@pytest.mark.parametrize("outcome", ["provider_fault", "no_quote", "no_competence"])
def test_free_outcomes_bill_nothing(customer, agent, outcome):
    ticket = diagnosed(customer, agent, outcome, suspected_provider_fault=True)
    expected = "resolved" if outcome == "provider_fault" else "closed"
    assert ticket["status"] == expected
    assert ticket["diagnosis"]["fee_charged"] is False
    assert ticket["invoices"] == []
    assert not Invoice.objects.exists()


def test_suspected_fault_that_is_not_one_pays_the_fee(customer, agent):
    ticket = diagnosed(customer, agent, "fixed", suspected_provider_fault=True)
    assert ticket["diagnosis"]["fee_charged"] is True
    assert ticket["diagnosis"]["fee_rule"] == "charged_not_provider_fault"
    assert len(ticket["invoices"]) == 1


def test_quoted_sends_a_quote_and_bills_nothing_yet(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    assert ticket["status"] == "quote_sent"
    assert ticket["invoices"] == []
    quote = ticket["quote"]
    assert quote["status"] == "sent"
    assert [line["net"] for line in quote["lines"]] == ["99.90", "90.00"]
    assert (quote["net"], quote["vat_rate"], quote["vat"], quote["gross"]) == (
        "189.90",
        "20.00",
        "37.98",
        "227.88",
    )
    assert quote["currency"] == "EUR" and quote["accepted_at"] is None


def test_quote_is_valid_14_days_by_default_or_as_given(customer, agent):
    from django.utils import timezone

    ticket = open_incident(customer)
    start(agent, ticket["id"])
    concluded = conclude(agent, ticket["id"], "quoted", {**QUOTE, "valid_days": 30})
    today = timezone.localdate()
    assert concluded["quote"]["valid_until"] == str(today + timezone.timedelta(days=30))
    default = diagnosed(customer, agent, "quoted")
    assert default["quote"]["valid_until"] == str(today + timezone.timedelta(days=14))


def test_concluding_twice_or_before_starting_is_a_409(customer, agent):
    ticket = open_incident(customer)
    body = {"findings": "f", "outcome": "fixed"}
    url = f"{API}/tickets/{ticket['id']}/conclude-diagnosis/"
    assert client_for(agent).post(url, body, format="json").status_code == 409
    start(agent, ticket["id"])
    assert client_for(agent).post(url, body, format="json").status_code == 200
    second = client_for(agent).post(url, body, format="json")
    assert second.status_code == 409 and second.json()["code"] == "invalid_transition"
    assert Invoice.objects.count() == 1


def test_customer_cannot_conclude(customer, agent):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    response = client_for(customer).post(
        f"{API}/tickets/{ticket['id']}/conclude-diagnosis/",
        {"findings": "f", "outcome": "provider_fault"},
        format="json",
    )
    assert response.status_code == 403


LINE = {"description": "Fix", "quantity": "1", "unit_price": "10.00"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"findings": "f", "outcome": "maybe"}, "outcome"),
        ({"findings": "", "outcome": "fixed"}, "findings"),
        ({"findings": "f\x00", "outcome": "fixed"}, "findings"),
        ({"findings": "f", "outcome": "quoted"}, "quote"),
        ({"findings": "f", "outcome": "fixed", "quote": {"lines": [LINE]}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": []}}, "quote"),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "unit_price": "-5.00"}]}},
            "quote",
        ),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "unit_price": "0"}]}}, "quote"),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "unit_price": "10.001"}]}},
            "quote",
        ),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "unit_price": "1e12"}]}},
            "quote",
        ),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "unit_price": "NaN"}]}},
            "quote",
        ),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "quantity": "0"}]}}, "quote"),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "quantity": "1000000"}]}},
            "quote",
        ),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "quantity": 1.5555}]}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "description": ""}]}}, "quote"),
        (
            {"findings": "f", "outcome": "quoted", "quote": {"lines": [{**LINE, "description": "x" * 501}]}},
            "quote",
        ),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [LINE] * 101}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [LINE], "valid_days": 0}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [LINE], "valid_days": 100000}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": {"lines": [LINE], "valid_days": "soon"}}, "quote"),
        ({"findings": "f", "outcome": "quoted", "quote": "cheap"}, "quote"),
        ({"findings": 12, "outcome": ["fixed"]}, "outcome"),
    ],
)
def test_bad_conclusion_is_a_400_and_changes_nothing(customer, agent, payload, field):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    response = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/conclude-diagnosis/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    after = client_for(agent).get(f"{API}/tickets/{ticket['id']}/").json()
    assert after["status"] == "diagnosing" and after["diagnosis"] is None and after["quote"] is None
    assert not Invoice.objects.exists()


def test_vat_is_computed_once_on_the_net_total(customer, agent):
    # Three lines of 0.13 net: VAT per line would be 3 × 0.03 = 0.09; on the 0.39 total it is 0.078 → 0.08.
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    lines = [{"description": f"Item {i}", "quantity": "1", "unit_price": "0.13"} for i in range(3)]
    concluded = conclude(agent, ticket["id"], "quoted", {"lines": lines})
    quote = concluded["quote"]
    assert quote["net"] == "0.39"
    assert Decimal(quote["vat"]) == Decimal("0.08")
    assert Decimal(quote["gross"]) == Decimal("0.47")
