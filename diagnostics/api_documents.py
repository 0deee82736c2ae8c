"""The diagnosis report as a PDF, for the customer of the ticket's account and for support staff."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound

from accounts.permissions import IsCustomerOrSupport
from config.routing import route
from diagnostics.documents import diagnosis_report_download
from documents.api import PDF_RESPONSES, PdfDownloadApi


@route("tickets/<int:pk>/report/", name="report")
class TicketReportApi(PdfDownloadApi):
    """Findings, outcome, the fee decision and its rule, and every intervention with its consent."""

    permission_classes = [IsCustomerOrSupport]

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        return diagnosis_report_download(user=request.user, pk=pk, missing=NotFound)
