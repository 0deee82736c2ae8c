"""PDF and e-invoice XML downloads of invoices and credit notes (PDFs on the base of documents.api)."""

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from accounts.permissions import IsCustomerOrFinance
from billing import documents, pdf, selectors
from billing.models import CreditNote, Invoice
from config.routing import route
from config.scoped import ScopedApi
from config.serializers import valid_input
from documents.api import PDF_RESPONSES, PdfDownloadApi, XmlRenderer, stored_pdf_response
from documents.models import StoredDocument


class _BillingDocumentApi(ScopedApi, PdfDownloadApi):
    # A download of an invoice or a credit note: `visible_to` is the document's scoped selector.
    # No docstring: the schema would show it as the description of the views that have none.

    permission_classes = [IsCustomerOrFinance]

    def document(self, pk: int) -> Invoice | CreditNote:
        """The document, if the user may see it (another account's is a 404): its id and its number."""
        return get_object_or_404(self.get_queryset().only("id", "number"), pk=pk)


class _BillingPdfApi(_BillingDocumentApi):
    """The document's PDF as stored at its issue, named by its number."""

    stored: Callable[[int], StoredDocument]  # its stored PDF, by the document's id

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        document = self.document(pk)
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


class _BillingXmlApi(_BillingDocumentApi):
    """The e-invoice of a document the user may see: `?syntax=cii` (Factur-X, the default) or `ubl`.

    Built from the document as issued, as its PDF's embedded XML was: the CII is that XML, byte for byte.
    """

    renderer_classes = [JSONRenderer, XmlRenderer]
    document_of: Callable[[int], pdf.BillingDocument]  # what the document says, by its id

    class Input(serializers.Serializer):
        syntax = serializers.ChoiceField(
            choices=[pdf.CII, pdf.UBL], default=pdf.CII, help_text="CII or UBL 2.1"
        )

    @extend_schema(
        parameters=[Input],
        responses={(200, "application/xml"): OpenApiTypes.BINARY},  # errors: config.schema adds them
    )
    def get(self, request, pk: int):
        document = self.document(pk)
        syntax = valid_input(self.Input, request.query_params)["syntax"]
        xml = pdf.billing_document_xml(self.document_of(document.pk), syntax=syntax)
        response = HttpResponse(xml, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{document.number}-{syntax}.xml"'
        return response


@route("invoices/<int:pk>/xml/", name="invoice-xml")
class InvoiceXmlApi(_BillingXmlApi):
    visible_to = staticmethod(selectors.invoices_visible_to)
    document_of = staticmethod(documents.invoice_document_by_id)


@route("credit-notes/<int:pk>/xml/", name="credit-note-xml")
class CreditNoteXmlApi(_BillingXmlApi):
    visible_to = staticmethod(selectors.credit_notes_visible_to)
    document_of = staticmethod(documents.credit_note_document_by_id)
