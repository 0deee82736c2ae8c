"""The PDFs of invoices and credit notes: their data as issued, rendered once by the document store.

The store (documents/store.py) keeps each PDF byte for byte once rendered (LAW-09); this module says
what an invoice and a credit note hold, from their own rows (the invoice's snapshot of the buyer).
"""

from decimal import Decimal
from typing import TypeVar

from accounts.models import BillingEntity, Customer
from billing import pdf
from billing.models import CreditNote, Invoice
from documents.models import StoredDocument
from documents.store import Kind, stored_document_get_or_render

PricedDocumentT = TypeVar("PricedDocumentT", bound=pdf.PricedDocument)

# The documents' data: each as it was issued, from its own rows (the invoice's snapshot of the buyer).


# What a document says of its seller: the entity's columns of the same names (and its legal name).
SELLER_FIELDS = (
    "address",
    "country",
    "vat_id",
    "company_id",
    "registration",
    "iban",
    "bic",
    "late_penalty_rate",
    "late_interest_above_base_rate",
    "vat_on_debits",
    "email",
    "website",
)


def seller_of(entity: BillingEntity) -> pdf.Seller:
    return pdf.Seller(name=entity.legal_name, **{field: getattr(entity, field) for field in SELLER_FIELDS})


def _party(customer: Customer, **buyer) -> pdf.Party:
    """A document's buyer: `buyer`'s name, address, country, VAT id and whether it is a business, with the
    account's customer number and the address e-invoices reach it at, as they stand when the document is
    rendered (once)."""
    return pdf.Party(**buyer, number=customer_number(customer.pk), email=customer.billing_email)


def party_of(customer: Customer) -> pdf.Party:
    """A customer account as the buyer named on a document rendered now (a quote, a report)."""
    return _party(
        customer,
        name=customer.name,
        address=customer.billing_address,
        country=customer.country,
        vat_id=customer.vat_id,
        is_business=customer.is_business,
    )


def customer_number(customer_id: int) -> str:
    """The customer number printed on documents (BT-46): the account's id, as the portals show it."""
    return f"C{customer_id:06d}"


def document_lines(lines) -> tuple[pdf.Line, ...]:
    """An invoice's or a quote's line rows as their document shows them, in order."""
    return tuple(
        pdf.Line(
            description=line.description, quantity=line.quantity, unit_price=line.unit_price, net=line.net
        )
        for line in lines.order_by("position")
    )


def priced_document(
    document: type[PricedDocumentT],
    *,
    entity: BillingEntity,
    buyer: pdf.Party,
    lines: tuple[pdf.Line, ...],
    amounts,
    vat_rate: Decimal,
    vat_category: str,
    language: str,
    **fields,
) -> PricedDocumentT:
    """A document (an invoice, a credit note, a quote) sold by `entity`, with `lines` and `amounts`' totals."""
    return document(
        language=language,
        vat_category=vat_category,
        currency=amounts.currency,
        seller=seller_of(entity),
        buyer=buyer,
        lines=lines,
        net=amounts.net,
        vat_rate=vat_rate,
        vat=amounts.vat,
        gross=amounts.gross,
        **fields,
    )


# The buyer as the invoice snapshotted it at issue: its `customer_<field>` columns.
BUYER_SNAPSHOT = ("name", "address", "country", "vat_id", "is_business")


def _buyer(issued: Invoice | CreditNote) -> pdf.Party:
    """The buyer an invoice or an SLA credit note snapshotted at issue."""
    assert issued.customer is not None  # every issued document names its account
    return _party(
        issued.customer, **{field: getattr(issued, f"customer_{field}") for field in BUYER_SNAPSHOT}
    )


def _document(
    issued: Invoice | CreditNote, *, stated: Invoice | CreditNote, lines: tuple[pdf.Line, ...], **fields
) -> pdf.BillingDocument:
    """`issued`'s seller, number, date and totals, with `lines`; the buyer, the rate, the language and the
    service date as `stated` recorded them at issue: the invoice, for itself and for the credit note that
    cancels it; an SLA credit note, its own."""
    # An invoice always has them; an SLA credit note sets them at issue.
    assert stated.vat_rate is not None and stated.service_date is not None
    return priced_document(
        pdf.BillingDocument,
        entity=issued.entity,
        buyer=_buyer(stated),
        lines=lines,
        amounts=issued,
        vat_rate=stated.vat_rate,
        vat_category=stated.vat_category,
        language=stated.language,
        number=issued.number,
        issued_on=issued.issued_on,
        service_date=stated.service_date,
        **fields,
    )


def invoice_document(invoice: Invoice) -> pdf.BillingDocument:
    return _document(
        invoice, stated=invoice, lines=document_lines(invoice.lines), kind=pdf.INVOICE, due_on=invoice.due_on
    )


def credit_note_document(credit_note: CreditNote) -> pdf.BillingDocument:
    """A cancellation cancels its invoice in full: the invoice's lines and rate, the credit note's totals.
    An SLA credit stands alone: its one line, its buyer and its rate as it recorded them at issue."""
    if credit_note.is_sla_credit:
        # Its one line says what it credits.
        line = pdf.Line(
            description=credit_note.description,
            quantity=Decimal("1"),
            unit_price=credit_note.net,
            net=credit_note.net,
        )
        return _document(
            credit_note, stated=credit_note, lines=(line,), kind=pdf.CREDIT_NOTE, reason=credit_note.reason
        )
    invoice = credit_note.invoice
    assert invoice is not None  # a cancellation cites its invoice (its constraint)
    return _document(
        credit_note,
        stated=invoice,
        lines=document_lines(invoice.lines),
        kind=pdf.CREDIT_NOTE,
        cancels_number=invoice.number,
        cancels_issued_on=invoice.issued_on,
        reason=credit_note.reason,
    )


def invoice_document_by_id(invoice_id: int) -> pdf.BillingDocument:
    return invoice_document(Invoice.objects.select_related("entity", "customer").get(pk=invoice_id))


def credit_note_document_by_id(credit_note_id: int) -> pdf.BillingDocument:
    credit_notes = CreditNote.objects.select_related(
        "entity", "customer", "invoice__entity", "invoice__customer"
    )
    return credit_note_document(credit_notes.get(pk=credit_note_id))


def invoice_pdf_stored(*, invoice_id: int) -> StoredDocument:
    """The invoice's Factur-X PDF, rendered once from the invoice as issued."""

    def render() -> bytes:
        return pdf.billing_document_pdf(invoice_document_by_id(invoice_id))

    return stored_document_get_or_render(kind=Kind.INVOICE, object_id=invoice_id, render=render)


def credit_note_pdf_stored(*, credit_note_id: int) -> StoredDocument:
    """The credit note's Factur-X PDF, citing the invoice it cancels."""

    def render() -> bytes:
        return pdf.billing_document_pdf(credit_note_document_by_id(credit_note_id))

    return stored_document_get_or_render(kind=Kind.CREDIT_NOTE, object_id=credit_note_id, render=render)
