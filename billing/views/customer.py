"""Customer portal: invoices, how to pay them (EPC QR code), their PDFs, and refusing one."""

import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from billing import aging, documents, pdf, services
from billing.forms import RefuseForm
from billing.models import Invoice
from billing.presenters import CUSTOMER_INVOICE_LIST, customer_invoice_table
from billing.selectors import credit_notes_visible_to, invoices_visible_to
from config.form_pages import ObjectFormPage
from config.form_views import UseCaseFormMixin
from config.portals import paginate
from config.ratelimit import rate_limited
from config.routing import route
from documents.api import pdf_response
from documents.store import stored_document_bytes


def _invoice(request, pk):
    invoice = get_object_or_404(
        invoices_visible_to(user=request.user)
        .select_related("entity", "credit_note")
        .prefetch_related("lines", "payments"),
        pk=pk,
    )
    aging.with_countdown([invoice], today=timezone.localdate())
    return invoice


@route("invoices/", name="invoices")
class InvoiceListView(CustomerRequiredMixin, View):
    def get(self, request):
        invoices = invoices_visible_to(user=request.user).order_by("-id").only(*CUSTOMER_INVOICE_LIST.reads)
        page = paginate(request, invoices)
        table = customer_invoice_table(page, today=timezone.localdate())
        return render(request, "customer/billing/invoices.html", {"page": page, "table": table})


@route("invoices/<int:pk>/", name="invoice")
class InvoiceDetailView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        return render(request, "customer/billing/invoice.html", {"invoice": _invoice(request, pk)})


@route("invoices/<int:pk>/pdf/", name="pdf")
class InvoicePdfView(CustomerRequiredMixin, View):
    """The invoice's PDF exactly as issued (the same stored bytes the API serves)."""

    def get(self, request, pk):
        invoice = get_object_or_404(invoices_visible_to(user=request.user).only("id", "number"), pk=pk)
        stored = documents.invoice_pdf_stored(invoice_id=invoice.pk)
        return pdf_response(stored_document_bytes(stored), filename=invoice.number, etag=stored.sha256)


@route("invoices/credit-notes/<int:pk>/pdf/", name="credit_note_pdf")
class CreditNotePdfView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        credit_note = get_object_or_404(credit_notes_visible_to(user=request.user), pk=pk)
        stored = documents.credit_note_pdf_stored(credit_note_id=credit_note.pk)
        return pdf_response(stored_document_bytes(stored), filename=credit_note.number, etag=stored.sha256)


@route("invoices/<int:pk>/qr.svg", name="qr")
class InvoiceQrView(CustomerRequiredMixin, View):
    """The EPC (GiroCode) QR code of the transfer, as an SVG served by the app: no data: URL, no other host."""

    def get(self, request, pk):
        invoice = get_object_or_404(invoices_visible_to(user=request.user).select_related("entity"), pk=pk)
        qr = pdf.epc_qr(documents.invoice_document(invoice)) if invoice.status == Invoice.State.OPEN else None
        if qr is None:
            raise Http404
        out = io.BytesIO()
        qr.save(out, kind="svg", scale=4, border=2, xmldecl=False)
        response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response


@route("invoices/<int:pk>/refuse/", name="refuse")
@rate_limited("money")
class InvoiceRefuseView(UseCaseFormMixin, ObjectFormPage, CustomerRequiredMixin, View):
    """The warning page first: what refusing costs the account, and a reason; then the refusal."""

    template_name = "customer/billing/refuse.html"
    form_class = RefuseForm
    object_name = "invoice"
    done = _(
        "The invoice is refused and cancelled by a credit note. Your account "
        "no longer has support; your services are not affected."
    )
    success_url = "customer:billing:invoice"

    @staticmethod
    def use_case(*, invoice: Invoice, reason: str, understood: bool, by) -> Invoice:
        # `understood` only gates the form (the customer read the warning); the refusal keeps the reason.
        return services.invoice_refuse(invoice=invoice, reason=reason, by=by)

    def get_object(self, pk):
        return _invoice(self.request, pk)
