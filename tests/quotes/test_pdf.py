"""The quote as a PDF (LAW-15): date, validity, lines, net, VAT, gross and the terms of the work;
rendered once when it is sent, and downloadable by the customer and support staff only."""

from datetime import UTC, datetime

import pytest
import time_machine

from documents.models import StoredDocument
from documents.store import stored_document_bytes
from tests.conftest import api_for
from tests.factories import CustomerFactory, UserFactory
from tests.pdf_helpers import assert_says, attachments, names_used, page_count, pdf_text
from tests.portals import browser
from tests.workflow import diagnosed

SENT_AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def sent_day():
    with time_machine.travel(SENT_AT, tick=False):
        yield


def quote_pdf(user, quote_id):
    return api_for(user).get(f"/api/v1/quotes/{quote_id}/pdf/")


def test_french_quote_states_date_validity_lines_totals_and_terms(customer, agent, sent_day):
    quote = diagnosed(customer, agent, "quoted")["quote"]

    response = quote_pdf(customer, quote["id"])

    assert response.status_code == 200
    assert_says(
        response.content,
        [
            "Devis",
            f"N° {quote['number']}",
            "Date du devis 03/03/2026",
            "Valable jusqu'au 17/03/2026",
            "Exemple Hébergement SAS",
            "SIREN : 123456782",
            "Boulangerie Test",
            "Replace disk",
            "2 49,95 € 99,90 €",
            "Labour",
            "1,5 60,00 € 90,00 €",
            "Total HT 189,90 €",
            "TVA 20 % 37,98 €",
            "Total TTC 227,88 €",
            "Les travaux commencent dès l'acceptation de ce devis, sans acompte ni paiement préalable",
            "payable à 30 jours",
            "Le diagnostic (20,00 € HT) est facturé avec les travaux",
        ],
    )


def test_german_quote_is_an_angebot_with_german_numbers(other_customer, agent, sent_day):
    quote = diagnosed(other_customer, agent, "quoted")["quote"]

    assert_says(
        quote_pdf(other_customer, quote["id"]).content,
        [
            "Angebot",
            "Angebotsdatum 03.03.2026",
            "Gültig bis 17.03.2026",
            "Beispiel Hosting GmbH",
            "Summe netto 189,90 €",
            "USt. 19 % 36,08 €",
            "Gesamtbetrag brutto 225,98 €",
            "ohne Anzahlung oder Vorauszahlung",
            "innerhalb von 30 Tagen",
        ],
    )


def test_sending_a_quote_renders_and_stores_its_pdf_after_commit(
    customer, agent, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = diagnosed(customer, agent, "quoted")["quote"]

    stored = StoredDocument.objects.get(kind=StoredDocument.Kind.QUOTE, object_id=quote["id"])
    assert quote_pdf(customer, quote["id"]).content == stored_document_bytes(stored)


def test_quote_pdf_has_no_attachment_and_no_script(customer, agent):
    quote = diagnosed(customer, agent, "quoted")["quote"]

    content = quote_pdf(customer, quote["id"]).content

    assert attachments(content) == {}
    assert not {"/JavaScript", "/JS", "/Launch", "/OpenAction", "/EmbeddedFile"} & names_used(content)
    assert page_count(content) == 1


def test_customer_and_support_get_the_same_bytes_named_by_the_quote_number(customer, agent, admin_user):
    quote = diagnosed(customer, agent, "quoted")["quote"]

    own = quote_pdf(customer, quote["id"])
    staff = quote_pdf(agent, quote["id"])

    assert own["Content-Type"] == "application/pdf"
    assert own["Content-Disposition"] == f'attachment; filename="{quote["number"]}.pdf"'
    assert own.content == staff.content == quote_pdf(admin_user, quote["id"]).content


def test_quotes_are_numbered_per_entity_and_year_without_gaps(customer, other_customer, agent, sent_day):
    numbers = [
        diagnosed(owner, agent, "quoted")["quote"]["number"] for owner in (customer, customer, other_customer)
    ]

    # The French account's two quotes follow each other; the German one starts the German series.
    assert numbers == ["FR-2026-Q000001", "FR-2026-Q000002", "DE-2026-Q000001"]
    fourth = diagnosed(customer, agent, "quoted")["quote"]
    assert fourth["number"] == "FR-2026-Q000003"
    assert fourth["number"] in pdf_text(quote_pdf(customer, fourth["id"]).content)


def test_another_customers_quote_is_a_404_and_finance_is_refused(customer, other_customer, agent, finance):
    quote = diagnosed(customer, agent, "quoted")["quote"]

    assert quote_pdf(other_customer, quote["id"]).status_code == 404
    assert quote_pdf(finance, quote["id"]).status_code == 403
    assert quote_pdf(customer, 999999).status_code == 404


def test_stored_quote_download_takes_a_bounded_number_of_queries(
    customer, agent, django_assert_max_num_queries
):
    quote = diagnosed(customer, agent, "quoted")["quote"]
    quote_pdf(customer, quote["id"])

    with django_assert_max_num_queries(2):
        assert quote_pdf(customer, quote["id"]).status_code == 200


def test_customer_portal_ticket_page_links_the_quote_pdf_that_serves_the_stored_bytes(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    page = browser(customer).get(f"/customer/tickets/{ticket['id']}/")
    pdf_url = f"/customer/quotes/{ticket['quote']['id']}/pdf/"

    download = browser(customer).get(pdf_url)

    assert pdf_url in page.content.decode()
    assert download["Content-Type"] == "application/pdf"
    assert download.content == quote_pdf(customer, ticket["quote"]["id"]).content
    assert browser(UserFactory(customer=CustomerFactory())).get(pdf_url).status_code == 404
