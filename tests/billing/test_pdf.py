"""Invoices and credit notes as PDFs: what they say (LAW-01, -02, -03, -08), their Factur-X XML
(LAW-16, PRIV-09), stored once and served byte for byte (LAW-09), and who may download them."""

import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import facturx
import pytest
import segno
import time_machine
from lxml import etree
from pypdf import PdfReader

from accounts.models import BillingEntity
from billing import documents, pdf
from billing.models import CreditNote, DocumentCounter, Invoice
from billing.services import LineSpec, document_number_draw, invoice_issue
from billing.tasks import documents_render_missing
from documents.models import StoredDocument
from documents.store import stored_document_bytes
from tests.concurrency import run_together
from tests.conftest import api_for
from tests.factories import CustomerFactory, UserFactory
from tests.pdf_helpers import assert_says, attachments, names_used, pdf_text

ISSUE_DAY = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
RAM = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


@pytest.fixture
def issue_day():
    with time_machine.travel(ISSUE_DAY, tick=False):
        yield


# name, country, VAT id (a business has one), billing address; each speaks its country's language.
BUYERS = {
    "fr_business": ("Boulangerie Dupont SARL", "FR", "FR40303265045", "12 rue des Lilas\n69003 Lyon"),
    "fr_consumer": ("Jeanne Martin", "FR", "", "3 place Bellecour\n69002 Lyon"),
    "de_consumer": ("Erika Mustermann", "DE", "", "Hauptstraße 5\n10115 Berlin"),
    "de_business": ("Muster Webdesign GmbH", "DE", "DE136695976", "Lindenallee 9\n50667 Köln"),
}


def buyer(key: str):
    """A customer account of BUYERS: each country's law treats a business and a consumer differently."""
    name, country, vat_id, address = BUYERS[key]
    return CustomerFactory(
        name=name, country=country, language=country.lower(), vat_id=vat_id, billing_address=address
    )


@pytest.fixture
def fr_business(db):
    return buyer("fr_business")


def issue(customer, *lines: tuple[str, str, str], service_date=date(2026, 3, 2)) -> Invoice:
    return invoice_issue(
        customer=customer,
        lines=[LineSpec(description=d, quantity=Decimal(q), unit_price=Decimal(p)) for d, q, p in lines],
        service_date=service_date,
    )


def credit(invoice: Invoice, *, reason: str = "refused") -> CreditNote:
    """A credit note cancelling `invoice` in full, numbered in its own series (as the refusal does)."""
    number = document_number_draw(entity=invoice.entity, series=DocumentCounter.Series.CREDIT_NOTE, year=2026)
    return CreditNote.objects.create(
        invoice=invoice,
        entity=invoice.entity,
        number=number,
        issued_on=date(2026, 3, 10),
        reason=reason,
        net=invoice.net,
        vat=invoice.vat,
        gross=invoice.gross,
        currency=invoice.currency,
    )


def invoice_bytes(invoice: Invoice) -> bytes:
    return stored_document_bytes(documents.invoice_pdf_stored(invoice_id=invoice.pk))


def credit_note_bytes(credit_note: CreditNote) -> bytes:
    return stored_document_bytes(documents.credit_note_pdf_stored(credit_note_id=credit_note.pk))


def embedded_xml(content: bytes) -> etree._Element:
    filename, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(content), check_xsd=False)
    assert filename == "factur-x.xml"
    return etree.fromstring(xml)


# What the documents say.


@pytest.mark.parametrize(
    ("key", "lines", "says", "never"),
    [
        pytest.param(
            "fr_business",
            [("Diagnostic d'incident, ticket n° 7", "1", "20.00"), ("Remplacement du disque", "2", "49.95")],
            [
                "Facture",
                "N° FR-2026-000001",
                # The seller: legal name, address, SIREN, VAT number, RCS and capital.
                "Exemple Hébergement SAS",
                "59100 Roubaix",
                "SIREN : 123456782",
                "FR11123456782",
                "RCS Exempleville",
                "capital de 10 000 €",
                # The buyer: name, address, SIREN (from its VAT number) and VAT number.
                "Boulangerie Dupont SARL",
                "69003 Lyon",
                "SIREN : 303265045",
                "FR40303265045",
                # Dates: issue, service, exact due date (also as YYYY-MM-DD).
                "Date d'émission 03/03/2026",
                "Date de la prestation 02/03/2026",
                "Date d'échéance 02/04/2026",
                "au plus tard le 02/04/2026 (2026-04-02)",
                # Lines, unit prices, net, rate, VAT and gross with French number formats.
                "Diagnostic d'incident, ticket n° 7",
                "Remplacement du disque",
                "49,95 €",
                "99,90 €",
                "Total HT 119,90 €",
                "TVA 20 % 23,98 €",
                "Total TTC 143,88 €",
                "Net à payer 143,88 €",
                "prestations de services",
                # Business invoices: penalties, escompte, the recovery indemnity.
                "pénalités de retard au taux annuel de 10 %",
                "Pas d'escompte pour paiement anticipé",
                "Indemnité forfaitaire pour frais de recouvrement : 40 €",
                # Payment by transfer, the invoice number as the reference.
                "FR76 3000 6000 0112 3456 7890 189",
                "EXMPFRPPXXX",
                "Référence à indiquer FR-2026-000001",
            ],
            [],
            id="french_business_invoice_states_every_mention_of_french_law",
        ),
        pytest.param(
            "fr_consumer",
            [("Diagnostic d'incident", "1", "20.00")],
            ["Jeanne Martin", "Total TTC 24,00 €"],
            ["Indemnité forfaitaire", "SIREN : 303265045"],
            id="french_consumer_invoice_carries_no_business_mentions",
        ),
        pytest.param(
            "de_consumer",
            [
                ("Diagnose des Vorfalls, Ticket Nr. 9", "1", "20.00"),
                ("Wiederherstellung der Datenbank", "1.5", "1234.50"),
            ],
            [
                "Rechnung",
                "Nr. DE-2026-000001",
                "Beispiel Hosting GmbH",
                "66111 Saarbrücken",
                "Steuernummer: 040/123/45678",
                "USt-IdNr.: DE123456788",
                "Erika Mustermann",
                "10115 Berlin",
                "Rechnungsdatum 03.03.2026",
                "Leistungsdatum 02.03.2026",
                "Fällig am 02.04.2026",
                "Wiederherstellung der Datenbank",
                "1,5",
                "1.234,50 €",
                "1.851,75 €",
                "Summe netto 1.871,75 €",
                "USt. 19 % 355,63 €",
                "Gesamtbetrag brutto 2.227,38 €",
                "§ 286 Abs. 3 BGB",
                "DE89 3704 0044 0532 0130 00",
                "Verwendungszweck DE-2026-000001",
            ],
            ["Verzugspauschale"],
            id="german_consumer_invoice_states_tax_number_service_date_and_default_notice",
        ),
        pytest.param(
            "de_business",
            [("Diagnose", "1", "20.00")],
            [
                "USt-IdNr.: DE136695976",
                "Verzugspauschale bei Zahlungsverzug: 40 €",
                "Gesamtbetrag brutto 23,80 €",
            ],
            [],
            id="german_business_invoice_states_both_vat_numbers_and_the_lump_sum",
        ),
    ],
)
def test_invoice_states_what_the_law_of_its_buyer_asks(key, lines, says, never, db, issue_day):
    invoice = issue(buyer(key), *lines)

    assert_says(invoice_bytes(invoice), says, never=never)


@pytest.mark.parametrize(
    ("key", "line", "reason", "says", "never"),
    [
        pytest.param(
            "fr_business",
            ("Diagnostic d'incident", "1", "20.00"),
            "refused",
            [
                "Facture d'avoir",
                "N° FR-2026-C000001",
                "Date d'émission 10/03/2026",
                "annule intégralement la facture n° FR-2026-000001 du 03/03/2026",
                "Motif : facture contestée par le client",
                "Boulangerie Dupont SARL",
                "Total HT 20,00 €",
                "TVA 20 % 4,00 €",
                "Total TTC 24,00 €",
            ],
            ["Net à payer"],
            id="french_credit_note_is_a_facture_d_avoir_citing_the_invoice",
        ),
        pytest.param(
            "de_consumer",
            ("Diagnose", "1", "20.00"),
            "lapsed",
            [
                "Stornorechnung",
                "storniert vollständig die Rechnung Nr. DE-2026-000001 vom 03.03.2026",
                "Leistungsdatum 02.03.2026",
                "Gesamtbetrag brutto 23,80 €",
            ],
            ["Gutschrift"],
            id="german_credit_note_is_a_stornorechnung_never_a_gutschrift",
        ),
    ],
)
def test_credit_note_cancels_its_invoice_under_the_name_the_law_of_its_buyer_gives(
    key, line, reason, says, never, db, issue_day
):
    credit_note = credit(issue(buyer(key), line), reason=reason)

    assert_says(credit_note_bytes(credit_note), says, never=never)


def test_girocode_asks_for_the_gross_with_the_invoice_number_as_remittance_text(fr_business, issue_day):
    invoice = issue(fr_business, ("Diagnostic d'incident", "1", "20.00"))
    document = documents.invoice_document(invoice)

    qr = pdf.epc_qr(document)

    # EPC069-12 version 002, ISO 8859-1 (charset 2), SEPA credit transfer: BIC, name, IBAN, amount,
    # no purpose, no structured reference, the invoice number as remittance text.
    expected = (
        "BCD\n002\n2\nSCT\nEXMPFRPPXXX\nExemple Hébergement SAS (données fictives)\n"
        "FR7630006000011234567890189\nEUR24\n\n\nFR-2026-000001"
    ).encode("iso-8859-1")
    assert qr.matrix == segno.make_qr(expected, error="m", boost_error=False).matrix


# Factur-X: the XML is leading.


@pytest.mark.parametrize(("country", "vat_id"), [("FR", "FR40303265045"), ("DE", ""), ("DE", "DE136695976")])
def test_invoice_and_credit_note_are_pdfa3_carrying_xsd_valid_en16931_xml(country, vat_id, db, issue_day):
    customer = CustomerFactory(
        country=country, vat_id=vat_id, billing_address="Zeile 1\nZeile 2\n12345 Stadt"
    )
    invoice = issue(customer, ("Diagnostic", "1", "20.00"))
    credit_note = credit(invoice)

    for content, type_code, number in [
        (invoice_bytes(invoice), "380", invoice.number),
        (credit_note_bytes(credit_note), "381", credit_note.number),
    ]:
        xml = embedded_xml(content)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert xml.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=RAM) == type_code
        assert xml.findtext("rsm:ExchangedDocument/ram:ID", namespaces=RAM) == number
        assert (
            xml.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=RAM)
            == "urn:cen.eu:en16931:2017"
        )
        metadata = PdfReader(io.BytesIO(content)).xmp_metadata
        assert (
            b"pdfaid:part>3<" in metadata.stream.get_data()
            or b'pdfaid:part="3"' in metadata.stream.get_data()
        )


def test_xml_holds_every_vat_relevant_datum(fr_business, issue_day):
    invoice = issue(
        fr_business, ("Diagnostic d'incident", "1", "20.00"), ("Remplacement du disque", "2", "49.95")
    )

    xml = embedded_xml(invoice_bytes(invoice))

    settlement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
    totals = settlement + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    payment_means = settlement + "ram:SpecifiedTradeSettlementPaymentMeans/"
    seller = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/"
    buyer = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/"
    expected = {
        "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString": "20260303",
        settlement + "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString": "20260402",
        ".//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString": "20260302",
        settlement + "ram:InvoiceCurrencyCode": "EUR",
        settlement + "ram:ApplicableTradeTax/ram:BasisAmount": "119.90",
        settlement + "ram:ApplicableTradeTax/ram:CalculatedAmount": "23.98",
        settlement + "ram:ApplicableTradeTax/ram:RateApplicablePercent": "20.00",
        totals + "ram:TaxBasisTotalAmount": "119.90",
        totals + "ram:TaxTotalAmount": "23.98",
        totals + "ram:GrandTotalAmount": "143.88",
        totals + "ram:DuePayableAmount": "143.88",
        settlement + "ram:PaymentReference": "FR-2026-000001",
        payment_means + "ram:PayeePartyCreditorFinancialAccount/ram:IBANID": "FR7630006000011234567890189",
        seller + "ram:SpecifiedTaxRegistration/ram:ID": "FR11123456782",
        seller + "ram:SpecifiedLegalOrganization/ram:ID": "123456782",
        buyer + "ram:Name": "Boulangerie Dupont SARL",
        buyer + "ram:SpecifiedTaxRegistration/ram:ID": "FR40303265045",
        buyer + "ram:PostalTradeAddress/ram:PostcodeCode": "69003",
        buyer + "ram:PostalTradeAddress/ram:CityName": "Lyon",
    }
    assert {path: xml.findtext(path, namespaces=RAM) for path in expected} == expected
    assert [line.text for line in xml.iterfind(".//ram:SpecifiedTradeProduct/ram:Name", namespaces=RAM)] == [
        "Diagnostic d'incident",
        "Remplacement du disque",
    ]
    notes = [note.text for note in xml.iterfind(".//ram:IncludedNote/ram:Content", namespaces=RAM)]
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €" in notes


def test_german_xml_carries_the_sellers_steuernummer(db, issue_day):
    de_consumer = buyer("de_consumer")
    invoice = issue(de_consumer, ("Diagnose", "1", "20.00"))

    xml = embedded_xml(invoice_bytes(invoice))

    registrations = {
        node.get("schemeID"): node.text
        for node in xml.iterfind(
            ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", namespaces=RAM
        )
    }
    assert registrations == {"VA": "DE123456788", "FC": "040/123/45678"}


def test_credit_note_xml_cites_the_invoice_it_cancels(fr_business, issue_day):
    invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))

    xml = embedded_xml(credit_note_bytes(credit(invoice)))

    cited = ".//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument/"
    assert xml.findtext(cited + "ram:IssuerAssignedID", namespaces=RAM) == "FR-2026-000001"
    assert xml.findtext(cited + "ram:FormattedIssueDateTime/*", namespaces=RAM) == "20260303"


def test_invoice_pdf_and_xml_hold_nothing_of_the_tickets_technical_content(fr_business, issue_day):
    from tickets.models import Ticket

    ticket = Ticket.objects.create(
        customer=fr_business,
        opened_by=UserFactory(customer=fr_business),
        kind=Ticket.Kind.INCIDENT,
        subject="SECRET-SUBJECT mysql root password hunter2",
        description="SECRET-DESCRIPTION ssh key",
        fee_currency="EUR",
        fee_net=Decimal("20.00"),
    )
    invoice = invoice_issue(
        customer=fr_business,
        ticket_id=ticket.pk,
        service_date=date(2026, 3, 2),
        lines=[LineSpec(f"Diagnostic d'incident, ticket n° {ticket.pk}", Decimal("1"), Decimal("20.00"))],
    )

    content = invoice_bytes(invoice)
    xml = etree.tostring(embedded_xml(content)).decode()

    for secret in ["SECRET-SUBJECT", "hunter2", "SECRET-DESCRIPTION"]:
        assert secret not in pdf_text(content)
        assert secret not in xml


def test_the_only_embedded_file_is_the_factur_x_xml(fr_business, issue_day):
    invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))

    content = invoice_bytes(invoice)

    assert list(attachments(content)) == ["factur-x.xml"]
    assert not {"/JavaScript", "/JS", "/Launch", "/OpenAction", "/AA"} & names_used(content)


# Rendered once, stored, served as stored.


def test_issuing_an_invoice_renders_and_stores_its_pdf_after_commit(
    fr_business, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))

    stored = StoredDocument.objects.get(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk)
    content = stored_document_bytes(stored)
    assert content.startswith(b"%PDF-")
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_refusing_an_invoice_stores_its_credit_notes_pdf_after_commit(
    customer, customer_account, issue_day, celery_eager, django_capture_on_commit_callbacks
):
    invoice = issue(customer_account, ("Diagnostic d'incident", "1", "20.00"))

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(customer).post(
            f"/api/v1/invoices/{invoice.pk}/refuse/", {"reason": "Pas d'accord"}, format="json"
        )

    assert response.status_code == 200
    credit_note = CreditNote.objects.get(invoice=invoice)
    stored = StoredDocument.objects.get(kind=StoredDocument.Kind.CREDIT_NOTE, object_id=credit_note.pk)
    assert "Facture d'avoir" in pdf_text(stored_document_bytes(stored))
    assert api_for(customer).get(
        f"/api/v1/credit-notes/{credit_note.pk}/pdf/"
    ).content == stored_document_bytes(stored)


def test_issuing_commits_even_when_the_broker_is_down(
    fr_business, django_capture_on_commit_callbacks, monkeypatch
):
    from billing import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.invoice_pdf_render_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))

    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert not StoredDocument.objects.filter(object_id=invoice.pk, kind=StoredDocument.Kind.INVOICE).exists()


def test_two_downloads_return_the_same_bytes_even_after_the_entity_changes(fr_business, finance, issue_day):
    invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))
    client = api_for(finance)

    first = client.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    BillingEntity.objects.filter(country="FR").update(
        legal_name="Renamed SAS", iban="FR7630001007941234567890185"
    )
    second = client.get(f"/api/v1/invoices/{invoice.pk}/pdf/")

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert StoredDocument.objects.filter(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk).count() == 1
    assert second["ETag"] == f'"{hashlib.sha256(second.content).hexdigest()}"'


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_downloads_render_the_pdf_once(on_postgres, fr_business, monkeypatch):
    invoice = issue(fr_business, ("Diagnostic", "1", "20.00"))
    renders = []
    real = pdf.billing_document_pdf

    def counting(document):
        renders.append(document.number)
        return real(document)

    monkeypatch.setattr(pdf, "billing_document_pdf", counting)

    results = run_together(*[lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk)] * 3)

    assert renders == [invoice.number]
    assert len({result.sha256 for result in results}) == 1
    assert StoredDocument.objects.filter(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk).count() == 1


def test_sweep_renders_documents_whose_task_was_lost_and_only_those(fr_business):
    with time_machine.travel(ISSUE_DAY, tick=False):
        lost = issue(fr_business, ("Diagnostic", "1", "20.00"))
        lost_credit = credit(lost)
    with time_machine.travel(ISSUE_DAY + timedelta(minutes=30), tick=False):
        fresh = issue(fr_business, ("Diagnostic", "1", "20.00"))
        now = datetime.now(tz=UTC)

    first = documents_render_missing(now=now)
    second = documents_render_missing(now=now)

    assert (first, second) == (2, 0)
    stored = set(StoredDocument.objects.values_list("kind", "object_id"))
    assert stored == {("invoice", lost.pk), ("credit_note", lost_credit.pk)}
    assert ("invoice", fresh.pk) not in stored


# Who may download what.


@pytest.fixture
def fr_invoice(customer_account, issue_day):
    return issue(customer_account, ("Diagnostic d'incident", "1", "20.00"))


def test_customer_downloads_own_invoice_as_pdf_named_by_its_number(customer, fr_invoice):
    response = api_for(customer).get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="FR-2026-000001.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_client_asking_for_a_pdf_gets_it(customer, fr_invoice):
    response = api_for(customer).get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_another_customers_invoice_is_a_404_in_json_even_when_a_pdf_is_asked_for(other_customer, fr_invoice):
    response = api_for(other_customer).get(
        f"/api/v1/invoices/{fr_invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_support_agent_may_not_download_invoices(agent, fr_invoice):
    response = api_for(agent).get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_download_is_401(client, fr_invoice):
    assert client.get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/").status_code == 401


def test_stored_invoice_download_takes_a_bounded_number_of_queries(
    finance, fr_invoice, django_assert_max_num_queries
):
    client = api_for(finance)
    client.get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/")

    with django_assert_max_num_queries(2):
        response = client.get(f"/api/v1/invoices/{fr_invoice.pk}/pdf/")
    assert response.status_code == 200


def test_credit_note_download_follows_the_invoice(customer, other_customer, finance, fr_invoice):
    credit_note = credit(fr_invoice)
    url = f"/api/v1/credit-notes/{credit_note.pk}/pdf/"

    own = api_for(customer).get(url)

    assert own.status_code == 200
    assert own["Content-Disposition"] == 'attachment; filename="FR-2026-C000001.pdf"'
    assert api_for(finance).get(url).content == own.content
    assert api_for(other_customer).get(url).status_code == 404


def test_unknown_document_is_a_404(finance, db):
    assert api_for(finance).get("/api/v1/invoices/999999/pdf/").status_code == 404
    assert api_for(finance).get("/api/v1/credit-notes/999999/pdf/").status_code == 404
