"""Issued documents as stored PDFs: rendered once from their own data, kept and served byte for byte.

An invoice, a credit note or a quote is rendered after the commit that issues it (a Celery task on
the `pdf` queue), or at its first download if that task has not run yet; either way exactly once,
under a row lock, and the bytes and their SHA-256 are stored in StoredDocument (LAW-09). A stored
document is never rendered again: every download returns the same bytes.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils.module_loading import import_string

from accounts.models import BillingEntity
from billing import pdf
from billing.models import CreditNote, Invoice, StoredDocument

logger = logging.getLogger(__name__)

Kind = StoredDocument.Kind
# REL-12: a document still without its PDF this long after its issue lost its task; the sweep renders it.
RENDER_SLA = timedelta(minutes=10)


def stored_document_get_or_render(
    *, kind: str, object_id: int, lock: QuerySet, render: Callable[[], bytes]
) -> StoredDocument:
    """The stored PDF of a document, rendered now if it is not stored yet; rendered once, whoever asks.

    `lock` selects the document's own row: concurrent callers queue on its row lock, and the
    ones that wait find the stored PDF when they get the lock. The unique (kind, object_id)
    constraint is the last guard if a caller comes without the lock.
    """
    stored = StoredDocument.objects.filter(kind=kind, object_id=object_id).first()
    if stored is not None:
        return stored
    with transaction.atomic():
        lock.select_for_update().get()
        stored = StoredDocument.objects.filter(kind=kind, object_id=object_id).first()
        if stored is not None:
            return stored
        content = render()
        try:
            with transaction.atomic():
                return StoredDocument.objects.create(
                    kind=kind,
                    object_id=object_id,
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                )
        except IntegrityError:
            return StoredDocument.objects.get(kind=kind, object_id=object_id)


def stored_document_bytes(document: StoredDocument) -> bytes:
    # PostgreSQL hands a BinaryField back as a memoryview.
    return bytes(document.content)


def render_after_commit(*, task: str, object_id: int) -> None:
    """Queue the rendering of a document once its issue is committed.

    After commit, because a worker must not look for a row that is not committed yet; robust,
    because a broker that is down must not undo an issued invoice: the sweep renders it later.
    The task is named by its dotted path: the tasks modules import the services that call this.
    """

    def enqueue() -> None:
        import_string(task).delay(object_id)

    transaction.on_commit(enqueue, robust=True)


# The documents' data: each as it was issued, from its own rows (the invoice's snapshot of the buyer).


def seller_of(entity: BillingEntity) -> pdf.Seller:
    return pdf.Seller(
        name=entity.legal_name,
        address=entity.address,
        country=entity.country,
        vat_id=entity.vat_id,
        company_id=entity.company_id,
        registration=entity.registration,
        iban=entity.iban,
        bic=entity.bic,
        late_penalty_rate=entity.late_penalty_rate,
    )


def _lines(invoice: Invoice) -> tuple[pdf.Line, ...]:
    return tuple(
        pdf.Line(
            description=line.description, quantity=line.quantity, unit_price=line.unit_price, net=line.net
        )
        for line in invoice.lines.order_by("position")
    )


def _buyer(invoice: Invoice) -> pdf.Party:
    # The buyer as snapshotted at issue; its country is the entity's, which was chosen by it.
    return pdf.Party(
        name=invoice.customer_name,
        address=invoice.customer_address,
        country=invoice.entity.country,
        vat_id=invoice.customer_vat_id,
    )


def invoice_document(invoice: Invoice) -> pdf.BillingDocument:
    entity = invoice.entity
    return pdf.BillingDocument(
        kind=pdf.INVOICE,
        number=invoice.number,
        issued_on=invoice.issued_on,
        service_date=invoice.service_date,
        due_on=invoice.due_on,
        language=entity.language,
        currency=invoice.currency,
        seller=seller_of(entity),
        buyer=_buyer(invoice),
        lines=_lines(invoice),
        net=invoice.net,
        vat_rate=invoice.vat_rate,
        vat=invoice.vat,
        gross=invoice.gross,
    )


def credit_note_document(credit_note: CreditNote) -> pdf.BillingDocument:
    """A credit note cancels its invoice in full: the invoice's lines and rate, the credit note's totals."""
    invoice = credit_note.invoice
    entity = credit_note.entity
    return pdf.BillingDocument(
        kind=pdf.CREDIT_NOTE,
        number=credit_note.number,
        issued_on=credit_note.issued_on,
        service_date=invoice.service_date,
        language=entity.language,
        currency=credit_note.currency,
        seller=seller_of(entity),
        buyer=_buyer(invoice),
        lines=_lines(invoice),
        net=credit_note.net,
        vat_rate=invoice.vat_rate,
        vat=credit_note.vat,
        gross=credit_note.gross,
        cancels_number=invoice.number,
        cancels_issued_on=invoice.issued_on,
        reason=credit_note.reason,
    )


def invoice_pdf_stored(*, invoice_id: int) -> StoredDocument:
    """The invoice's Factur-X PDF, rendered once from the invoice as issued."""

    def render() -> bytes:
        invoice = Invoice.objects.select_related("entity").get(pk=invoice_id)
        return pdf.billing_document_pdf(invoice_document(invoice))

    return stored_document_get_or_render(
        kind=Kind.INVOICE, object_id=invoice_id, lock=Invoice.objects.filter(pk=invoice_id), render=render
    )


def credit_note_pdf_stored(*, credit_note_id: int) -> StoredDocument:
    """The credit note's Factur-X PDF, citing the invoice it cancels."""

    def render() -> bytes:
        credit_note = CreditNote.objects.select_related("entity", "invoice__entity").get(pk=credit_note_id)
        return pdf.billing_document_pdf(credit_note_document(credit_note))

    return stored_document_get_or_render(
        kind=Kind.CREDIT_NOTE,
        object_id=credit_note_id,
        lock=CreditNote.objects.filter(pk=credit_note_id),
        render=render,
    )


def without_stored_pdf(queryset: QuerySet, *, kind: str) -> QuerySet:
    """The documents of `queryset` whose PDF is not stored yet."""
    stored = StoredDocument.objects.filter(kind=kind, object_id=OuterRef("pk"))
    return queryset.filter(~Exists(stored))


def ids_to_render(
    model: type[Model], *, kind: str, issued_before: datetime, limit: int, issued_field: str = "created_at"
) -> list[int]:
    """Ids of documents of `model` issued before `issued_before` and still without their PDF."""
    queryset = without_stored_pdf(model.objects.filter(**{f"{issued_field}__lt": issued_before}), kind=kind)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
