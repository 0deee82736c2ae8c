"""The language review on the real pages, in French and German: status labels agree with what they
describe, colons sit inside the messages (French puts a no-break space before them), the customer reads
of "your data" and staff of the customer's, and the access log says what each line's outcome is."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.services import invoice_pay, payment_reverse
from config.errors import ConsentRequired
from consent.services import (
    access_request_deny,
    access_request_grant,
    intervention_perform,
)
from diagnostics.services import diagnosis_conclude
from tests.portals import browser, incident
from tickets.services import ticket_start_diagnosis

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def page(user, language: str, name: str, *args) -> str:
    client = browser(user)
    client.cookies["django_language"] = language
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def concluded(customer, agent, outcome: str):
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    diagnosis_conclude(ticket=ticket, findings="Checked", outcome=outcome, by=agent)
    return ticket


@pytest.mark.parametrize(
    ("language", "closed_ticket", "open_invoice", "wrong"),
    [("fr", "Clos", "Ouverte", ">Close<"), ("de", "Geschlossen", "Offen", ">Verfallen<")],
)
def test_ticket_and_invoice_statuses_agree_with_what_they_describe(
    customer, agent, language, closed_ticket, open_invoice, wrong
):
    concluded(customer, agent, "no_quote")  # a closed ticket
    concluded(customer, agent, "fixed")  # a resolved ticket and its open invoice

    tickets = page(customer, language, "customer:tickets:list")
    invoices = page(customer, language, "customer:billing:invoices")

    assert f">{closed_ticket}<" in tickets and wrong not in tickets
    assert f">{open_invoice}<" in invoices


@pytest.mark.parametrize(
    ("language", "label"), [("fr", f"Statut du support{NBSP}:"), ("de", "Support-Status:")]
)
def test_the_support_status_label_carries_its_colon(customer, language, label):
    dashboard = page(customer, language, "customer:tickets:dashboard")

    assert f"{label} <span" in dashboard


@pytest.mark.parametrize(
    ("language", "to_customer", "to_staff"),
    [
        ("fr", "Lire vos données", "Lire les données du client"),
        ("de", "Ihre Daten lesen", "Kundendaten lesen"),
    ],
)
def test_the_customer_reads_of_their_data_and_staff_of_the_customers(
    asked, customer, agent, language, to_customer, to_staff
):
    customer_page = page(customer, language, "customer:consent:access", asked.ticket_id)
    staff_page = page(agent, language, "staff:consent:access", asked.ticket_id)

    assert to_customer in customer_page and to_staff not in customer_page
    assert to_staff in staff_page and to_customer not in staff_page


@pytest.mark.parametrize(
    ("language", "customer_gave", "you_gave"),
    [
        ("en", "under the grant the customer gave", "under the grant you gave"),
        ("fr", "avec l’autorisation donnée par le client", "avec l’autorisation que vous avez donnée"),
        ("de", "im Rahmen der Freigabe des Kunden", "im Rahmen Ihrer Freigabe"),
    ],
)
def test_an_intervention_under_a_grant_is_told_to_staff_as_the_customers_grant(
    asked, customer, agent, language, customer_gave, you_gave
):
    access_request_grant(access_request=asked, by=customer)
    intervention_perform(ticket=asked.ticket, action="read_data", description="Read the logs", by=agent)

    staff_page = page(agent, language, "staff:consent:access", asked.ticket_id)
    customer_page = page(customer, language, "customer:consent:access", asked.ticket_id)

    assert customer_gave in staff_page and you_gave not in staff_page
    assert you_gave in customer_page


@pytest.mark.parametrize(
    ("language", "denied", "recorded", "refused", "done"),
    [
        ("en", "Access denied", "Recorded", "Refused: no grant in force", "Done"),
        ("fr", "Accès refusé", "Enregistré", f"Refusée{NBSP}: aucune autorisation en vigueur", "Effectué"),
        ("de", "Zugriff verweigert", "Erfasst", "Abgelehnt: keine gültige Freigabe", "Durchgeführt"),
    ],
)
def test_the_access_log_says_what_became_of_each_line(
    asked, customer, agent, language, denied, recorded, refused, done
):
    access_request_deny(access_request=asked, by=customer)
    with pytest.raises(ConsentRequired):
        intervention_perform(ticket=asked.ticket, action="read_data", description="Look", by=agent)

    log = page(agent, language, "staff:consent:access", asked.ticket_id).split('id="access-log"')[1]

    assert denied in log and recorded in log and refused in log
    assert f">{done}<" not in log  # a denial is not "done"


@pytest.mark.parametrize(("language", "separator"), [("fr", f"{NBSP}: "), ("de", ": ")])
def test_a_reversed_payment_gives_its_reason_after_its_day_in_one_message(
    customer, agent, finance, language, separator
):
    concluded(customer, agent, "fixed")
    invoice = Invoice.objects.get(customer=customer.customer)
    payment = invoice_pay(
        invoice=invoice, amount=Decimal("5.00"), received_on=timezone.localdate(), reference="T", by=finance
    )
    payment_reverse(payment=payment, reason="Wrong invoice", by=finance)

    invoice_page = page(finance, language, "finance:billing:invoice", invoice.pk)

    assert f"{separator}Wrong invoice)" in invoice_page
