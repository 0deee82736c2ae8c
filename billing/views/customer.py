"""Customer portal: invoices, how to pay them, and their documents."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from billing.models import Invoice
from billing.selectors import invoices_visible_to
from config.portals import paginate


class InvoiceListView(CustomerRequiredMixin, View):
    def get(self, request):
        invoices = invoices_visible_to(user=request.user).order_by("-id")
        page = paginate(request, invoices)
        today = timezone.localdate()
        for invoice in page.object_list:
            invoice.days_left = (invoice.due_on - today).days
        return render(request, "customer/billing/invoices.html", {"page": page})


class InvoiceDetailView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        invoice = get_object_or_404(
            invoices_visible_to(user=request.user).select_related("entity", "credit_note")
            .prefetch_related("lines", "payments"), pk=pk)
        invoice.amount_due = invoice.gross - invoice.amount_paid if invoice.status == Invoice.State.OPEN else 0
        invoice.days_left = (invoice.due_on - timezone.localdate()).days
        return render(request, "customer/billing/invoice.html", {"invoice": invoice})
