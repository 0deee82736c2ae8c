"""The SLA credit note: its own kind in the credit note series, its PDF and its e-invoice (CII and UBL) against
the European Commission's EN 16931 rules in every tax case, citing no invoice."""

import io
from datetime import date
from decimal import Decimal

import facturx
import pytest

from billing import documents, pdf
from billing.models import CreditNote, Refund
from billing.services import sla_credit_issue
from tests.billing.test_tax import CUSTOMERS, MENTIONS, create_customer
from tests.conftest import api_for
from tests.einvoice_rules import fatal_failures
from tests.factories import UserFactory
from tests.pdf_helpers import assert_says

pytestmark = pytest.mark.django_db
API = "/api/v1"


def issue(customer) -> CreditNote:
    return sla_credit_issue(
        customer=customer,
        net=Decimal("18.00"),
        description="SLA credit – web-01: 3 h of unavailability, 15% of €120.00 a month",
        service_date=date(2026, 3, 2),
    )


@pytest.mark.parametrize("key", list(CUSTOMERS))
def test_sla_credit_notes_pass_the_en16931_rules_in_every_tax_case(key):
    category, _says = MENTIONS[key]
    customer = create_customer(key)
    note = issue(customer)
    client = api_for(UserFactory(role="customer", customer=customer))

    content = pdf.billing_document_pdf(documents.credit_note_document_by_id(note.pk))
    _, embedded = facturx.get_facturx_xml_from_pdf(io.BytesIO(content), check_xsd=False)
    assert fatal_failures(embedded) == []
    assert b"<ram:TypeCode>381</ram:TypeCode>" in embedded
    assert f"<ram:CategoryCode>{category}</ram:CategoryCode>".encode() in embedded
    assert b"InvoiceReferencedDocument" not in embedded  # it cancels no invoice
    for syntax in ("cii", "ubl"):
        response = client.get(f"{API}/credit-notes/{note.pk}/xml/", {"syntax": syntax})
        assert response.status_code == 200
        assert fatal_failures(response.content) == [], syntax
        assert b"BillingReference" not in response.content


def test_the_sla_credit_note_is_numbered_in_the_credit_note_series_and_owed_back():
    customer = create_customer("fr_business")

    first, second = issue(customer), issue(customer)

    assert (first.number, second.number) == ("FR-2026-C000001", "FR-2026-C000002") or (
        first.number[-7:],
        second.number[-7:],
    ) == ("C000001", "C000002")
    assert first.kind == CreditNote.Kind.SLA_CREDIT and first.invoice is None
    assert (first.net, first.vat, first.gross, first.vat_rate) == (
        Decimal("18.00"),
        Decimal("3.60"),
        Decimal("21.60"),
        Decimal("20.00"),
    )
    assert Refund.objects.get(credit_note=first).amount == Decimal("21.60")


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("fr_business", ["Facture d'avoir", "engagement de niveau de service", "remboursé par virement"]),
        ("de_consumer", ["Stornorechnung", "Service-Level-Vereinbarung", "per Überweisung erstattet"]),
        ("es_consumer", ["Credit note", "service level agreement", "refunded by bank transfer"]),
    ],
)
def test_the_pdf_says_what_it_credits_and_that_the_money_is_the_customers(key, says):
    note = issue(create_customer(key))

    content = pdf.billing_document_pdf(documents.credit_note_document_by_id(note.pk))

    assert_says(
        content, [*says, note.number, "web-01"], never=["annule intégralement", "storniert vollständig"]
    )
