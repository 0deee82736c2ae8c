"""A 403 or 404 in the portals is a page of the person's own portal, with the way back; an administrator
moves between portals from the menu."""

import pytest
from django.test import Client

from accounts.models import BillingEntity, Customer
from tests.portals import browser
from tests.workflow import open_incident

pytestmark = pytest.mark.django_db


def test_a_customer_on_a_staff_page_gets_a_403_in_the_customer_portal_with_the_way_back(customer):
    customer.language = "fr"
    customer.save(update_fields=["language"])
    page = browser(customer).get("/staff/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Cette page n’est pas destinée à votre compte" in html
    assert 'href="/"' in html  # back to the start page, which leads to the customer's dashboard
    assert "customer" in html and "<nav" in html  # the customer's frame and menu, not a bare "403 Forbidden"


def test_finance_on_a_support_page_gets_the_403_in_the_finance_portal(finance):
    finance.language = "de"
    finance.save(update_fields=["language"])
    page = browser(finance).get("/staff/")
    assert page.status_code == 403
    assert "Diese Seite ist nicht für Ihr Konto bestimmt" in page.content.decode()


def test_another_accounts_ticket_is_a_styled_404_that_says_nothing_of_the_owner(customer, other_customer):
    ticket = open_incident(other_customer)
    customer.language = "en"
    customer.save(update_fields=["language"])
    page = browser(customer).get(f"/customer/tickets/{ticket['id']}/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Page not found" in html and "<nav" in html
    assert ticket["subject"] not in html


def test_a_visitor_gets_the_plain_404_page_and_the_api_keeps_the_contracts_json():
    client = Client()
    assert client.get("/no-such-page/").status_code == 404
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and api.json() == {"detail": "Not found."}


def test_an_administrator_reaches_every_portal_and_the_django_admin_from_the_menu(admin_user, agent):
    html = browser(admin_user).get("/staff/").content.decode()
    assert 'href="/finance/' in html and 'href="/admin/"' in html
    html = browser(admin_user).get("/finance/").content.decode()
    assert 'href="/staff/' in html and 'href="/admin/"' in html
    # An agent's menu stays the agent's.
    html = browser(agent).get("/staff/").content.decode()
    assert 'href="/finance/' not in html and 'href="/admin/"' not in html


def test_a_banned_account_is_not_offered_to_open_a_ticket_in_its_menu(customer):
    assert 'href="/customer/tickets/new/' in browser(customer).get("/customer/").content.decode()
    Customer.objects.filter(pk=customer.customer_id).update(support_status=Customer.SupportStatus.BANNED)
    html = browser(customer).get("/customer/").content.decode()
    assert 'href="/customer/tickets/new/' not in html


def test_the_banned_notice_shows_the_way_back_pay_or_write_to_finance(customer):
    Customer.objects.filter(pk=customer.customer_id).update(support_status=Customer.SupportStatus.BANNED)
    BillingEntity.objects.filter(country="FR").update(email="compta@incident-desk.example")
    html = browser(customer).get("/customer/").content.decode()
    assert 'href="/customer/invoices/' in html
    assert 'href="mailto:compta@incident-desk.example"' in html
