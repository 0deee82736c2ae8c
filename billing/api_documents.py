"""PDF downloads of invoices and credit notes, on the base every PDF endpoint shares (documents.api)."""

from collections.abc import Callable

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema

from accounts.permissions import IsCustomerOrFinance
from billing import documents, selectors
from config.routing import route
from documents.api import PDF_RESPONSES, PdfDownloadApi, stored_pdf_response
from documents.models import StoredDocument


class _BillingPdfApi(PdfDownloadApi):
    """A document the user may see (another account's is a 404), named by its number."""

    permission_classes = [IsCustomerOrFinance]
    visible_to: Callable  # the document's scoped selector
    stored: Callable[[int], StoredDocument]  # its stored PDF, by the document's id

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        document = get_object_or_404(self.visible_to(user=request.user).only("id", "number"), pk=pk)
        return stored_pdf_response(self.stored(document.pk), filename=document.number)


@route("invoices/<int:pk>/pdf/", name="invoice-pdf")
class InvoicePdfApi(_BillingPdfApi):
    """The invoice as issued: a Factur-X PDF/A-3b, the same bytes at every download."""

    visible_to = staticmethod(selectors.invoices_visible_to)
    stored = staticmethod(lambda pk: documents.invoice_pdf_stored(invoice_id=pk))


@route("credit-notes/<int:pk>/pdf/", name="credit-note-pdf")
class CreditNotePdfApi(_BillingPdfApi):
    """The credit note (Facture d'avoir, Stornorechnung) that cancels an invoice, as a Factur-X PDF."""

    visible_to = staticmethod(selectors.credit_notes_visible_to)
    stored = staticmethod(lambda pk: documents.credit_note_pdf_stored(credit_note_id=pk))
