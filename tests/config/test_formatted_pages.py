"""The pages show amounts, rates and dates as config/formatting.py writes them, in the reader's language.

Run on whichever database the suite uses (PostgreSQL, or SQLite when none answers); the values SQLite hands
back for computed amounts are checked on SQLite itself in test_formatting_sqlite.py.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from billing.services import invoice_pay
from tests.billing.conftest import issue_invoice
from tests.factories import UserFactory
from tests.portals import browser, quoted

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def text_of(response, element_id: str) -> str:
    """The markup inside the element of `element_id` (up to its first closing tag)."""
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    return html[html.index(">", start) + 1 : html.index("</", start)]


def test_the_invoice_page_shows_what_is_paid_and_due_in_euros_and_its_days_the_french_way(
    customer_account, customer
):
    invoice = issue_invoice(customer_account, unit_price="219.90")  # 263.88 incl. 20 % VAT
    invoice_pay(invoice=invoice, amount=Decimal("240.08"), received_on=timezone.localdate(), by=None)

    page = browser(customer).get(reverse("customer:billing:invoice", args=[invoice.pk]))
    html = page.content.decode()

    assert f"<dd>240,08{NBSP}€</dd>" in html  # paid
    assert text_of(page, "amount-due") == f"<strong>23,80{NBSP}€"
    assert f"{invoice.due_on:%d/%m/%Y}" in html and f"{invoice.issued_on:%d/%m/%Y}" in html
    assert " EUR" not in html and "240.08" not in html


def test_the_dashboard_shows_the_quote_and_the_invoice_due_with_their_currency(customer, agent):
    ticket = quoted(customer, agent)
    invoice = issue_invoice(customer.customer, unit_price="219.90")

    html = browser(customer).get(reverse("customer:tickets:dashboard")).content.decode()

    assert f"96,00{NBSP}€" in html  # the quote: 80.00 net, 20 % VAT
    assert f"{ticket.quote.valid_until:%d/%m/%Y}" in html
    assert f"263,88{NBSP}€" in html and f"({invoice.due_on:%d/%m/%Y})" in html
    assert " EUR" not in html


def test_the_quote_pages_show_lines_rate_totals_and_history_in_the_readers_language(customer, agent):
    ticket = quoted(customer, agent)
    client = browser(customer)

    quote_page = client.get(reverse("customer:quotes:detail", args=[ticket.quote.pk])).content.decode()
    assert f"80,00{NBSP}€" in quote_page and f"96,00{NBSP}€" in quote_page
    assert f"TVA 20{NBSP}%" in quote_page and "20,00" not in quote_page

    ticket_page = client.get(reverse("customer:tickets:detail", args=[ticket.pk]))
    timeline = ticket_page.content.decode().split('id="timeline"')[1]
    assert f"· 96,00{NBSP}€" in timeline  # "Devis envoyé · 96,00 €", no longer a bare 96.00
    # Each moment on the clock of Paris, day first; the machine attribute stays ISO 8601.
    assert re.search(r"\d\d/\d\d/20\d\d \d\d:\d\d</time>", timeline)
    assert re.search(r'<time datetime="20\d\d-\d\d-\d\dT', timeline)

    client.cookies["django_language"] = "en"
    confirm = client.get(reverse("customer:quotes:accept", args=[ticket.quote.pk]))
    assert text_of(confirm, "decision-total") == "€120.00"  # the quote and the fee, in English


def test_the_receivables_page_shows_open_amounts_with_cents_and_currency(customer_account, customer):
    invoice = issue_invoice(customer_account, unit_price="219.90")
    invoice_pay(invoice=invoice, amount=Decimal("240.08"), received_on=timezone.localdate(), by=None)
    finance = UserFactory(email="finanz@example.com", role=Role.FINANCE, language="de")

    html = browser(finance).get(reverse("finance:reporting:receivables")).content.decode()

    assert f"23,80{NBSP}€ · 1" in html  # the chart's bar: what is still due, and of how many invoices
    assert f"{timezone.localdate():%d.%m.%Y}" in html  # "as of", the German way
    assert "23,8000" not in html and "23.80" not in html
