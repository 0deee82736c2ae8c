"""Customer portal: the quote page, accepting and declining."""

import pytest
from django.urls import reverse

from quotes.models import Quote
from tests.portals import browser, quoted
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_quote_page_is_the_customers_only(customer, other_customer, agent):
    ticket = quoted(customer, agent)
    url = reverse("customer:quotes:detail", args=[ticket.quote.pk])
    assert browser(customer).get(url).status_code == 200
    assert browser(other_customer).get(url).status_code == 404
    assert browser(agent).get(url).status_code == 403
    assert (
        browser(other_customer).post(reverse("customer:quotes:accept", args=[ticket.quote.pk])).status_code
        == 404
    )


def test_accepting_starts_the_work(customer, agent):
    ticket = quoted(customer, agent)
    response = browser(customer).post(reverse("customer:quotes:accept", args=[ticket.quote.pk]))
    assert response["Location"] == reverse("customer:tickets:detail", args=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.IN_WORK


def test_declining_after_accepting_is_a_message_not_an_error(customer, agent):
    ticket = quoted(customer, agent)
    client = browser(customer)
    client.post(reverse("customer:quotes:accept", args=[ticket.quote.pk]))
    response = client.post(reverse("customer:quotes:decline", args=[ticket.quote.pk]), follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    assert Quote.objects.get(pk=ticket.quote.pk).status == Quote.State.ACCEPTED


def _stated_total(client, url) -> str:
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="decision-total"')
    return html[html.index(">", start) + 1 : html.index("</", start)].strip()


def test_accepting_is_confirmed_on_a_page_stating_the_total_the_invoice_then_bills(customer, agent):
    from billing.models import Invoice
    from quotes.services import ticket_complete_work

    ticket = quoted(customer, agent)
    client = browser(customer)
    url = reverse("customer:quotes:accept", args=[ticket.quote.pk])
    stated = _stated_total(client, url)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.QUOTE_SENT  # looking at the price decides nothing

    client.post(url)
    ticket_complete_work(ticket=Ticket.objects.get(pk=ticket.pk), report="Disk replaced", by=agent)

    invoice = Invoice.objects.get(ticket_id=ticket.pk)
    assert stated == f"{invoice.gross}\u00a0€".replace(".", ",")  # shown in French: "144,00 €"
    assert invoice.gross > ticket.quote.gross  # the fee is on it too, as the page said


def test_declining_is_confirmed_on_a_page_stating_the_fee_the_invoice_then_bills(customer, agent):
    from billing.models import Invoice

    ticket = quoted(customer, agent)
    client = browser(customer)
    url = reverse("customer:quotes:decline", args=[ticket.quote.pk])
    stated = _stated_total(client, url)
    client.post(url)
    invoice = Invoice.objects.get(ticket_id=ticket.pk)
    assert stated == f"{invoice.gross}\u00a0€".replace(".", ",")  # shown in French: "24,00 €"
    assert (
        "confirm-decision" not in browser(customer).get(url, follow=True).content.decode()
    )  # decided: no page
