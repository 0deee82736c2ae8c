"""Sealed rendering (SEC-18, SEC-19): hostile content in every text field of an invoice and a credit
note reaches no server, reads no local file, and embeds nothing but our Factur-X XML."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from accounts.models import BillingEntity
from billing import documents
from billing.models import CreditNote, DocumentCounter
from billing.services import LineSpec, document_number_draw, invoice_issue
from documents.store import stored_document_bytes
from tests.factories import CustomerFactory
from tests.pdf_helpers import CanaryServer, assert_sealed, hostile, pdf_text


@pytest.fixture
def canary():
    with CanaryServer() as server:
        yield server


def hostile_invoice(canary, country: str):
    entity = BillingEntity.objects.get(country=country)
    entity.legal_name = hostile(canary.url, short=True)
    entity.address = hostile(canary.url) + "\n75001 Paris"
    entity.registration = hostile(canary.url, short=True)
    entity.save()
    customer = CustomerFactory(
        country=country,
        name=hostile(canary.url, short=True),
        billing_address=hostile(canary.url),
        vat_id='<b x="&">\'"</b>',
    )
    return invoice_issue(
        customer=customer,
        service_date=date(2026, 3, 2),
        lines=[
            LineSpec(description=hostile(canary.url), quantity=Decimal("1"), unit_price=Decimal("20.00")),
            LineSpec(
                description="</td></tr></table><h1>Injected</h1>",
                quantity=Decimal("2"),
                unit_price=Decimal("5.00"),
            ),
        ],
    )


@pytest.mark.parametrize("country", ["FR", "DE"])
def test_hostile_invoice_and_credit_note_fetch_nothing_and_embed_only_our_xml(canary, country, db):
    invoice = hostile_invoice(canary, country)
    number = document_number_draw(entity=invoice.entity, series=DocumentCounter.Series.CREDIT_NOTE, year=2026)
    credit_note = CreditNote.objects.create(
        invoice=invoice,
        entity=invoice.entity,
        number=number,
        issued_on=date(2026, 3, 9),
        reason="refused",
        net=invoice.net,
        vat=invoice.vat,
        gross=invoice.gross,
        currency=invoice.currency,
    )

    for stored in (
        documents.invoice_pdf_stored(invoice_id=invoice.pk),
        documents.credit_note_pdf_stored(credit_note_id=credit_note.pk),
    ):
        content = stored_document_bytes(stored)
        assert_sealed(content, canary, attachments_allowed=["factur-x.xml"])
        assert "</td></tr></table><h1>Injected</h1>" in pdf_text(content).replace("\n", "")


def test_a_long_running_renderer_does_not_keep_every_documents_images(db):
    from billing.pdf import billing_document_pdf
    from documents import pdf_engine

    invoice = invoice_issue(
        customer=CustomerFactory(),
        service_date=date(2026, 3, 2),
        lines=[LineSpec(description="Diagnostic", quantity=Decimal("1"), unit_price=Decimal("20.00"))],
    )
    document = documents.invoice_document(invoice)
    for number in range(40):  # each number makes another QR code
        billing_document_pdf(replace(document, number=f"FR-2026-{number:06d}"))

    assert len(pdf_engine._renderer().image_cache) <= pdf_engine.IMAGE_CACHE_LIMIT + 4
