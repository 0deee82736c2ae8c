"""CSV downloads: one helper streams every export, and one guard keeps each cell from running as a formula."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Customer
from config.csv import (
    FORMULA_STARTS,
    MACHINE,
    SPREADSHEET_EU,
    csv_cell,
    csv_format_from,
    csv_response,
)
from tests.billing.conftest import issue_invoice
from tests.consent.drive import act
from tests.factories import CustomerFactory
from tests.portals import browser
from tests.workflow import API, client_for, open_incident, start

FORMULAS = [f'{start}HYPERLINK("http://evil.example")' for start in FORMULA_STARTS]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_would_start_a_formula_is_plain_text(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        ("FR-2026-000001", "FR-2026-000001"),
        ("a=b", "a=b"),
        (-5, -5),  # a negative number is a number, not a formula
        (Decimal("-0.50"), "-0.50"),
        # A decimal with its two places (config.formatting), as SQLite's computed columns are not.
        (Decimal("263.880000000000"), "263.88"),
        (date(2026, 3, 1), "2026-03-01"),
        (datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "2026-03-01T09:30:00+00:00"),
    ],
)
def test_other_values_are_written_as_they_are(value, cell):
    assert csv_cell(value) == cell


def test_the_response_streams_the_header_then_the_rows():
    response = csv_response(["name", "days"], iter([["=1+1", -3], [None, 4]]), filename="x.csv")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert b"".join(response.streaming_content).decode() == "name,days\r\n'=1+1,-3\r\n,4\r\n"


def rows_of(response, delimiter=",") -> list[dict]:
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_a_spreadsheet_format_writes_semicolons_decimal_commas_and_labels():
    response = csv_response(
        ["name", "amount"],
        iter([["=1+1", Decimal("-1234.50")], ["a;b", 3]]),
        filename="x.csv",
        fmt=SPREADSHEET_EU,
        labels={"amount": "Montant"},
    )
    assert b"".join(response.streaming_content).decode() == ('name;Montant\r\n\'=1+1;-1234,50\r\n"a;b";3\r\n')


def test_the_format_comes_from_the_query_and_defaults_to_todays():
    assert csv_format_from({}) == MACHINE
    assert csv_format_from({"sep": "semicolon", "decimal": "comma", "header": "labels"}) == SPREADSHEET_EU
    assert csv_format_from({"sep": "tab"}) == MACHINE


@pytest.mark.django_db
@pytest.mark.parametrize("text", FORMULAS)
def test_the_finance_portals_export_is_guarded(customer, finance, text):
    Customer.objects.filter(pk=customer.customer_id).update(name=text)
    customer.customer.refresh_from_db()
    issue_invoice(customer.customer)
    response = browser(finance).get(reverse("finance:billing:export"))
    assert response["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    [row] = rows_of(response)
    assert row["Customer"] == "'" + text and row["Days left"] == "30"  # a header for people, translated


@pytest.mark.django_db
@pytest.mark.parametrize("text", FORMULAS)
def test_the_api_invoice_export_is_guarded(finance, text):
    issue_invoice(CustomerFactory(name=text))
    response = client_for(finance).get(f"{API}/invoices/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    [row] = rows_of(response)
    assert row["customer_name"] == "'" + text and row["amount_due"] == "24.00"


@pytest.mark.django_db
@pytest.mark.parametrize("text", [text for text in FORMULAS if not text[0].isspace()])  # the API trims input
def test_the_consent_audit_log_exports_are_guarded(customer, agent, text):
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    act(agent, ticket["id"], "rescue_mode", description=text)
    for url, filename in [
        (f"{API}/audit-log/csv/", "consent-audit-log.csv"),
        (f"{API}/tickets/{ticket['id']}/audit-log/csv/", f"ticket-{ticket['id']}-consent-audit-log.csv"),
    ]:
        response = client_for(customer).get(url)
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        [row] = rows_of(response)
        assert row["detail"] == "'" + text and row["ticket"] == str(ticket["id"])


@pytest.mark.django_db
def test_the_api_invoice_exports_default_is_todays_bytes(finance):
    invoice = issue_invoice(CustomerFactory(name="ACME"))
    body = b"".join(client_for(finance).get(f"{API}/invoices/export.csv").streaming_content).decode()
    assert body == (
        "number,customer,customer_name,status,issued_on,due_on,net,vat_rate,vat,gross,currency,"
        "amount_paid,amount_due,credit_note,credit_note_issued_on\r\n"
        f"{invoice.number},{invoice.customer_id},ACME,open,{invoice.issued_on},{invoice.due_on},"
        "20.00,20.00,4.00,24.00,EUR,0.00,24.00,,\r\n"
    )


@pytest.mark.django_db
def test_the_api_invoice_export_in_french_excels_format(finance):
    issue_invoice(CustomerFactory(name="ACME"))
    response = client_for(finance).get(
        f"{API}/invoices/export.csv?sep=semicolon&decimal=comma&header=labels", HTTP_ACCEPT_LANGUAGE="fr"
    )
    [row] = rows_of(response, delimiter=";")
    assert row["Montant dû"] == "24,00" and row["Taux de TVA (%)"] == "20,00"
    assert client_for(finance).get(f"{API}/invoices/export.csv?sep=tab").status_code == 400


@pytest.mark.django_db
def test_the_finance_portal_offers_a_csv_for_french_and_german_excel(finance):
    issue_invoice(CustomerFactory(name="ACME", country="FR"))
    client = browser(finance)
    page = client.get(reverse("finance:billing:invoices")).content.decode()
    assert "sep=semicolon&amp;decimal=comma" in page
    client.cookies["django_language"] = "de"
    response = client.get(reverse("finance:billing:export") + "?sep=semicolon&decimal=comma")
    [row] = rows_of(response, delimiter=";")
    assert row["Kunde"] == "ACME" and row["Gesamt"] == "24,00"
