"""Customer portal: the diagnosis report of a ticket."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from diagnostics.documents import diagnosis_report_bytes
from diagnostics.models import Diagnosis
from documents.api import pdf_response
from tickets.selectors import tickets_visible_to


class TicketReportView(CustomerRequiredMixin, View):
    """The diagnosis report as a PDF, from the ticket page: findings, outcome, fee and interventions."""

    def get(self, request, pk):
        ticket = get_object_or_404(
            tickets_visible_to(user=request.user).select_related("customer", "service", "quote"), pk=pk
        )
        try:
            content = diagnosis_report_bytes(ticket=ticket)
        except Diagnosis.DoesNotExist:
            raise Http404("This ticket has no concluded diagnosis yet.") from None
        return pdf_response(content, filename=f"diagnosis-{ticket.pk}")
