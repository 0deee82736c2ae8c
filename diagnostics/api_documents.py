"""The diagnosis report as a PDF, for the customer of the ticket's account and for support staff."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound

from accounts.permissions import IsCustomerOrSupport
from diagnostics.documents import diagnosis_report_bytes
from diagnostics.models import Diagnosis
from documents.api import PDF_RESPONSES, PdfDownloadApi, pdf_response
from tickets.selectors import tickets_visible_to


class TicketReportApi(PdfDownloadApi):
    """Findings, outcome, the fee decision and its rule, and every intervention with its consent."""

    permission_classes = [IsCustomerOrSupport]

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        ticket = get_object_or_404(
            tickets_visible_to(user=request.user).select_related("customer", "service", "quote"), pk=pk
        )
        try:
            content = diagnosis_report_bytes(ticket=ticket)
        except Diagnosis.DoesNotExist:
            raise NotFound("This ticket has no concluded diagnosis yet.") from None
        return pdf_response(content, filename=f"diagnosis-{ticket.pk}")
