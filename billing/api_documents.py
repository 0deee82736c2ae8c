"""PDF downloads of invoices and credit notes, on the base every PDF endpoint shares (documents.api)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema

from accounts.permissions import IsCustomerOrFinance
from billing import documents, selectors
from documents.api import PDF_RESPONSES, PdfDownloadApi, pdf_response
from documents.store import stored_document_bytes


class InvoicePdfApi(PdfDownloadApi):
    """The invoice as issued: a Factur-X PDF/A-3b, the same bytes at every download."""

    permission_classes = [IsCustomerOrFinance]

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        invoice = get_object_or_404(
            selectors.invoices_visible_to(user=request.user).only("id", "number"), pk=pk
        )
        stored = documents.invoice_pdf_stored(invoice_id=invoice.pk)
        return pdf_response(stored_document_bytes(stored), filename=invoice.number, etag=stored.sha256)


class CreditNotePdfApi(PdfDownloadApi):
    """The credit note (Facture d'avoir, Stornorechnung) that cancels an invoice, as a Factur-X PDF."""

    permission_classes = [IsCustomerOrFinance]

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        credit_note = get_object_or_404(
            selectors.credit_notes_visible_to(user=request.user).only("id", "number"), pk=pk
        )
        stored = documents.credit_note_pdf_stored(credit_note_id=credit_note.pk)
        return pdf_response(stored_document_bytes(stored), filename=credit_note.number, etag=stored.sha256)
