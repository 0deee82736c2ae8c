"""The quote's PDF, as sent: for the customer of the ticket's account and for support staff."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema

from accounts.permissions import IsCustomerOrSupport
from config.routing import route
from documents.api import PDF_RESPONSES, PdfDownloadApi, stored_pdf_response
from quotes.documents import quote_pdf_stored
from quotes.pdf import quote_number
from quotes.selectors import quotes_visible_to


@route("quotes/<int:pk>/pdf/", name="pdf")
class QuotePdfApi(PdfDownloadApi):
    permission_classes = [IsCustomerOrSupport]

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        quote = get_object_or_404(quotes_visible_to(user=request.user).only("id", "number"), pk=pk)
        return stored_pdf_response(quote_pdf_stored(quote_id=quote.pk), filename=quote_number(quote))
