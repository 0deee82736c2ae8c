"""Customers anywhere, billed with the VAT billing.tax decides: the rule, the fee shown before opening,
the invoices' mentions, and their CII e-invoices against the official EN 16931 rules (LAW-04, LAW-05,
LAW-16, LAW-17)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import facturx
import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import BillingEntity, Customer
from billing import documents, pdf
from billing.models import CreditNote, DocumentCounter, Invoice
from billing.services import LineSpec, document_number_draw, invoice_issue
from billing.tax import Buyer, vat_treatment
from tests.conftest import api_for
from tests.einvoice_rules import fatal_failures
from tests.factories import UserFactory
from tests.pdf_helpers import assert_says

API = "/api/v1"
ON = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("seller", "buyer", "category", "rate", "basis"),
    [
        pytest.param(
            "FR", Buyer("FR", is_business=True, vat_id="FR40303265045"), "S", "20.00", "", id="fr_b2b"
        ),
        pytest.param("FR", Buyer("FR", is_business=False), "S", "20.00", "", id="fr_b2c"),
        pytest.param("DE", Buyer("DE", is_business=False), "S", "19.00", "", id="de_b2c"),
        pytest.param("FR", Buyer("ES", is_business=False), "S", "20.00", "", id="eu_consumer_seller_rate"),
        pytest.param(
            "FR", Buyer("BE", is_business=True, vat_id="BE0403019261"), "AE", "0.00", "art. 196", id="eu_b2b"
        ),
        pytest.param("FR", Buyer("BE", is_business=True), "S", "20.00", "", id="eu_business_without_vat_id"),
        pytest.param("FR", Buyer("CH", is_business=True, vat_id="CHE116281710MWST"), "O", "0.00", "art. 44"),
        pytest.param("FR", Buyer("CH", is_business=False), "O", "0.00", "art. 59", id="non_eu_consumer"),
    ],
)
def test_the_vat_of_a_sale_follows_the_rule_table(seller, buyer, category, rate, basis, db):
    treatment = vat_treatment(seller_country=seller, buyer=buyer, on=ON)

    assert (treatment.category, treatment.rate, treatment.legal_basis) == (category, Decimal(rate), basis)


def test_a_standard_rate_missing_for_the_day_is_a_clear_error(db):
    with pytest.raises(ValidationError):
        vat_treatment(seller_country="FR", buyer=Buyer("FR", is_business=False), on=date(1990, 1, 1))


# A customer of each tax case, created through the API as support staff would.
CUSTOMERS = {
    "fr_business": {"name": "Boulangerie Dupont SARL", "country": "FR", "vat_id": "FR40303265045"},
    "de_consumer": {"name": "Erika Mustermann", "country": "DE"},
    "be_business": {
        "name": "Brasserie Exemple SRL",
        "country": "BE",
        "vat_id": "BE0403019261",
        "language": "fr",
    },
    "es_consumer": {"name": "Lucía García", "country": "ES", "language": "en"},
    "ch_business": {"name": "Beispiel Treuhand AG", "country": "CH", "vat_id": "CHE-116.281.710 MWST"},
}
# What each sees before opening an incident (20.00 net by default): the category and the gross.
FEES = {
    "fr_business": ("S", "20.00", "24.00"),
    "de_consumer": ("S", "19.00", "23.80"),
    "be_business": ("AE", "0.00", "20.00"),
    "es_consumer": ("S", "20.00", "24.00"),  # the French entity's rate: the supplier's place (art. 45)
    "ch_business": ("O", "0.00", "20.00"),
}


def create_customer(key: str) -> Customer:
    staff = UserFactory(role="admin")
    payload = {
        **CUSTOMERS[key],
        "billing_address": "Rue Exemple 1\n1000 Bruxelles",
        "billing_email": f"{key}@example.org",
    }
    response = api_for(staff).post(f"{API}/customers/", payload, format="json")
    assert response.status_code == 201, response.json()
    return Customer.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("key", list(CUSTOMERS))
def test_customers_anywhere_see_the_fee_with_their_vat_before_opening(key, db):
    customer = create_customer(key)
    user = UserFactory(role="customer", customer=customer)

    fee = api_for(user).get(f"{API}/pricing/diagnosis-fee/").json()

    assert (fee["vat_category"], fee["vat_rate"], fee["gross"]) == FEES[key]
    assert fee["country"] == CUSTOMERS[key]["country"]


def test_the_customer_api_records_whether_the_buyer_is_a_business(db):
    assert create_customer("be_business").is_business
    assert not create_customer("es_consumer").is_business
    assert create_customer("ch_business").vat_id == "CHE116281710MWST"


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Nowhere Ltd", "country": "ZZ"},  # not an ISO 3166-1 country
        {"name": "Bad VAT SRL", "country": "BE", "vat_id": "BE0000000000"},
        {"name": "Wrong prefix SRL", "country": "BE", "vat_id": "FR40303265045"},
    ],
)
def test_an_unknown_country_or_a_wrong_vat_number_is_a_400_and_writes_nothing(payload, db):
    response = api_for(UserFactory(role="admin")).post(f"{API}/customers/", payload, format="json")

    assert response.status_code == 400
    assert not Customer.objects.exists()


def test_a_country_without_an_entity_of_its_own_is_billed_by_the_entity_that_lists_it(db):
    BillingEntity.objects.update(bills_other_countries=False)
    BillingEntity.objects.filter(country="DE").update(also_bills_countries=["AT"])
    staff = api_for(UserFactory(role="admin"))

    assert (
        staff.post(f"{API}/customers/", {"name": "Wien GmbH", "country": "AT"}, format="json").status_code
        == 201
    )
    assert (
        staff.post(f"{API}/customers/", {"name": "Roma Srl", "country": "IT"}, format="json").status_code
        == 400
    )


ISSUE_DAY = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
# What the PDF must say, and the category of its e-invoice.
MENTIONS = {
    "fr_business": ("S", ["TVA 20 %", "N° client", "pénalités de retard"]),
    "de_consumer": ("S", ["USt. 19 %", "Kundennummer", "§ 286 Abs. 3 BGB"]),
    "be_business": (
        "AE",
        ["Autoliquidation – article 196 de la directive 2006/112/CE", "BE0403019261", "FR11123456782"],
    ),
    "es_consumer": ("S", ["VAT 20%", "Customer no."]),
    "ch_business": ("O", ["Outside the scope of EU VAT – Article 44 of Directive 2006/112/EC"]),
}


def invoice_and_credit_note(customer: Customer) -> tuple[Invoice, CreditNote]:
    """An invoice of a diagnosis, and a credit note that cancels it."""
    with time_machine.travel(ISSUE_DAY, tick=False):
        invoice = invoice_issue(
            customer=customer,
            lines=[LineSpec(description="Diagnostic", quantity=Decimal("1"), unit_price=Decimal("20.00"))],
            service_date=date(2026, 3, 2),
        )
        number = document_number_draw(
            entity=invoice.entity, series=DocumentCounter.Series.CREDIT_NOTE, year=2026
        )
        credit_note = CreditNote.objects.create(
            invoice=invoice,
            entity=invoice.entity,
            number=number,
            issued_on=date(2026, 3, 10),
            net=invoice.net,
            vat=invoice.vat,
            gross=invoice.gross,
            currency=invoice.currency,
            reason="refused",
        )
    return invoice, credit_note


def issued_documents(customer: Customer) -> list[bytes]:
    """The PDFs of an invoice and of the credit note that cancels it."""
    invoice, credit_note = invoice_and_credit_note(customer)
    return [
        pdf.billing_document_pdf(documents.invoice_document_by_id(invoice.pk)),
        pdf.billing_document_pdf(documents.credit_note_document_by_id(credit_note.pk)),
    ]


@pytest.mark.parametrize("key", list(CUSTOMERS))
def test_invoices_and_credit_notes_pass_the_en16931_rules_in_every_tax_case(key, db):
    category, says = MENTIONS[key]
    customer = create_customer(key)

    invoice_pdf, credit_note_pdf = issued_documents(customer)

    for content in (invoice_pdf, credit_note_pdf):
        _, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(content), check_xsd=False)
        assert fatal_failures(xml) == []
        assert f"<ram:CategoryCode>{category}</ram:CategoryCode>".encode() in xml
        assert b"urn:fdc:peppol.eu:2017:poacc:billing:01:1.0" in xml  # BT-23
        assert f"{key}@example.org".encode() in xml  # BT-49, the buyer's electronic address
    assert_says(invoice_pdf, says)


def test_a_demo_entity_issues_nothing_outside_debug(settings, db):
    settings.DEMO_ENTITIES_MAY_ISSUE = False
    customer = create_customer("fr_business")

    with pytest.raises(ValidationError, match="demo data"):
        issued_documents(customer)

    BillingEntity.objects.filter(country="FR").update(is_demo=False)
    assert len(issued_documents(customer)) == 2


def test_the_rules_catch_a_document_whose_totals_do_not_add_up(db):
    invoice_pdf, _ = issued_documents(create_customer("fr_business"))
    _, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(invoice_pdf), check_xsd=False)

    broken = xml.replace(b"<ram:GrandTotalAmount>24.00<", b"<ram:GrandTotalAmount>25.00<")

    assert broken != xml
    assert any(failure.startswith("BR-CO-15") for failure in fatal_failures(broken))


def test_the_french_option_for_the_debits_is_printed_and_stated_in_the_e_invoice(db):
    customer = create_customer("fr_business")
    invoice_pdf, _ = issued_documents(customer)
    _, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(invoice_pdf), check_xsd=False)
    assert b"<ram:DueDateTypeCode>72</ram:DueDateTypeCode>" in xml  # by default: VAT due on payment

    BillingEntity.objects.filter(country="FR").update(vat_on_debits=True)
    invoice_pdf, _ = issued_documents(customer)
    _, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(invoice_pdf), check_xsd=False)

    assert b"<ram:DueDateTypeCode>5</ram:DueDateTypeCode>" in xml
    assert fatal_failures(xml) == []
    assert_says(invoice_pdf, ["Option pour le paiement de la taxe d'après les débits"])


@pytest.mark.parametrize("key", list(CUSTOMERS))
def test_the_ubl_and_cii_downloads_pass_the_en16931_rules_in_every_tax_case(key, db):
    customer = create_customer(key)
    invoice, credit_note = invoice_and_credit_note(customer)
    client = api_for(UserFactory(role="customer", customer=customer))

    for path in (f"invoices/{invoice.pk}", f"credit-notes/{credit_note.pk}"):
        for syntax, root in (
            ("ubl", b"urn:oasis:names:specification:ubl:schema:xsd:"),
            ("cii", b"CrossIndustry"),
        ):
            response = client.get(f"{API}/{path}/xml/", {"syntax": syntax})
            assert response.status_code == 200
            assert response["Content-Type"] == "application/xml"
            assert root in response.content
            assert fatal_failures(response.content) == []


def test_the_downloaded_cii_is_the_xml_the_pdf_embeds(db):
    invoice, _ = invoice_and_credit_note(create_customer("be_business"))
    client = api_for(UserFactory(role="customer", customer=invoice.customer))

    embedded = facturx.get_facturx_xml_from_pdf(
        io.BytesIO(client.get(f"{API}/invoices/{invoice.pk}/pdf/").content)
    )[1]

    assert client.get(f"{API}/invoices/{invoice.pk}/xml/").content == embedded


def test_an_unknown_syntax_is_a_400_and_another_accounts_invoice_a_404(db):
    invoice, _ = invoice_and_credit_note(create_customer("fr_business"))
    owner = api_for(UserFactory(role="customer", customer=invoice.customer))
    stranger = api_for(UserFactory(role="customer", customer=create_customer("es_consumer")))

    assert owner.get(f"{API}/invoices/{invoice.pk}/xml/", {"syntax": "pdf"}).status_code == 400
    assert stranger.get(f"{API}/invoices/{invoice.pk}/xml/").status_code == 404
    assert api_for(UserFactory(role="agent")).get(f"{API}/invoices/{invoice.pk}/xml/").status_code == 403


@pytest.mark.parametrize("key", ["be_business", "es_consumer", "ch_business"])
def test_a_customer_abroad_opens_an_incident_and_gets_an_invoice_with_its_vat(key, agent, db):
    from tests.workflow import diagnosed

    customer = create_customer(key)
    user = UserFactory(role="customer", customer=customer)
    category, says = MENTIONS[key]
    _, _, gross = FEES[key]

    ticket = diagnosed(user, agent, "fixed")
    client = api_for(user)
    (invoice_id,) = client.get(f"{API}/tickets/{ticket['id']}/").json()["invoices"]
    invoice = client.get(f"{API}/invoices/{invoice_id}/").json()

    assert (ticket["diagnosis_fee"]["gross"], invoice["gross"]) == (gross, gross)
    assert_says(client.get(f"{API}/invoices/{invoice_id}/pdf/").content, says)
    for syntax in ("cii", "ubl"):
        assert (
            fatal_failures(client.get(f"{API}/invoices/{invoice_id}/xml/", {"syntax": syntax}).content) == []
        )
