"""Quote totals are bounded by the money columns: a quote whose invoice would not fit is a clear 400 on
`quote`, never a database overflow (a 500), on every path that creates a quote; payments likewise."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Payment
from config.money import MONEY_DIGITS, MONEY_MAX
from quotes.models import Quote
from tests.diagnostics.test_views_staff import MANAGEMENT
from tests.portals import browser
from tests.workflow import API, client_for, diagnosed, open_incident, start
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# The red team's line: the largest quantity and unit price each input accepts.
HUGE_LINE = {"description": "Everything", "quantity": "99999", "unit_price": "1000000"}
# A French account: 20 % VAT on (quote + the 20.00 fee). 8,000,000,000 net is 9,600,000,024.00 gross.
LARGEST_FITTING_LINE = {"description": "Datacentre", "quantity": "8000", "unit_price": "1000000"}
# 8,400,000,000 net is 10,080,000,024.00 gross: one cent beyond would already be too much.
TOO_LARGE_LINE = {"description": "Datacentre", "quantity": "8400", "unit_price": "1000000"}


def conclude_quoted(agent, ticket_id, *lines):
    return client_for(agent).post(
        f"{API}/tickets/{ticket_id}/conclude-diagnosis/",
        {"findings": "Everything is broken", "outcome": "quoted", "quote": {"lines": list(lines)}},
        format="json",
    )


def test_money_max_is_what_the_money_columns_hold():
    places = MONEY_DIGITS["decimal_places"]
    assert MONEY_MAX == Decimal("9999999999.99")
    assert len(MONEY_MAX.as_tuple().digits) == MONEY_DIGITS["max_digits"]
    assert -MONEY_MAX.as_tuple().exponent == places


@pytest.mark.parametrize("lines", [[HUGE_LINE], [TOO_LARGE_LINE], [LARGEST_FITTING_LINE] * 2])
def test_a_quote_too_large_for_its_invoice_is_a_400_on_quote_and_changes_nothing(customer, agent, lines):
    ticket = open_incident(customer)["id"]
    start(agent, ticket)
    response = conclude_quoted(agent, ticket, *lines)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["quote"]
    assert "€9,999,999,999.99" in response.json()["quote"][0]
    assert Ticket.objects.get(pk=ticket).status == Ticket.State.DIAGNOSING
    assert not Quote.objects.filter(ticket_id=ticket).exists()
    assert not Invoice.objects.filter(ticket_id=ticket).exists()


def test_the_largest_quote_that_fits_is_sent_accepted_and_billed(customer, agent):
    ticket = open_incident(customer)["id"]
    start(agent, ticket)
    response = conclude_quoted(agent, ticket, LARGEST_FITTING_LINE)
    assert response.status_code == 200, response.content
    quote = response.json()["quote"]
    assert quote["gross"] == "9600000000.00"
    assert client_for(customer).post(f"{API}/quotes/{quote['id']}/accept/").status_code == 200
    done = client_for(agent).post(
        f"{API}/tickets/{ticket}/complete-work/", {"report": "Built"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert Invoice.objects.get(ticket_id=ticket).gross == Decimal("9600000024.00")


def test_the_staff_portal_refuses_the_same_quote_with_a_readable_error(diagnosing, agent):
    response = browser(agent).post(
        reverse("staff:diagnostics:conclude", args=[diagnosing.pk]),
        {
            **MANAGEMENT,
            "findings": "Everything",
            "outcome": "quoted",
            "lines-0-description": HUGE_LINE["description"],
            "lines-0-quantity": HUGE_LINE["quantity"],
            "lines-0-unit_price": HUGE_LINE["unit_price"],
        },
    )
    assert response.status_code == 400
    assert b"errorlist" in response.content and "€9,999,999,999.99" in response.content.decode()
    diagnosing.refresh_from_db()
    assert diagnosing.status == Ticket.State.DIAGNOSING
    assert not Quote.objects.filter(ticket=diagnosing).exists()


@pytest.mark.parametrize(
    "amount",
    [
        "99999999999999999999.99",
        "10000000000.00",
        str(MONEY_MAX),
        "1e20",
        "1E+400",
        "NaN",
        "Infinity",
        "-Infinity",
        "0.001",
        "-0",
        99999 * 1000000,
        10**30,
    ],
)
def test_a_payment_of_any_size_is_a_400_on_amount_never_a_500(customer, agent, finance, amount):
    [invoice_id] = diagnosed(customer, agent, "fixed")["invoices"]
    response = client_for(finance).post(
        f"{API}/invoices/{invoice_id}/payments/",
        {"amount": amount, "received_on": timezone.localdate().isoformat(), "reference": "huge"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "amount" in response.json()
    assert not Payment.objects.filter(invoice_id=invoice_id).exists()
