"""Customer portal: the diagnosis report of a ticket."""

from django.http import Http404
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from config.routing import route
from diagnostics.documents import diagnosis_report_download


@route("tickets/<int:pk>/report.pdf", name="report")
class TicketReportView(CustomerRequiredMixin, View):
    """The diagnosis report as a PDF, from the ticket page: findings, outcome, fee and interventions."""

    def get(self, request, pk):
        return diagnosis_report_download(user=request.user, pk=pk, missing=Http404)
