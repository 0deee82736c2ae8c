"""Finance portal: receivables by due day with aging, CSV export, refused and lapsed invoices, refunds owed."""

from django import forms
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.models import Customer
from accounts.permissions import FinanceRequiredMixin
from accounts.selectors import billing_countries
from billing import aging, services
from billing.forms import (
    ALL_STATUSES,
    InvoiceFilterForm,
    PaymentForm,
    PaymentReverseForm,
    RefundForm,
    ReinstateForm,
)
from billing.models import BanEvent, Invoice, Refund
from billing.presenters import (
    BAN_HISTORY_LIST,
    BANNED_LIST,
    CLOSED_INVOICE_LIST,
    INVOICE_CSV_LABELS,
    INVOICE_LIST,
    REFUND_LIST,
    ban_history_table,
    banned_table,
    closed_invoice_table,
    invoice_table,
    refund_table,
)
from billing.selectors import ban_events_for, invoices_visible_to, payments_visible_to, refunds_visible_to
from config.csv import CsvFormat, csv_format_from, csv_response
from config.form_pages import ObjectFormPage
from config.form_views import UseCaseButtonMixin, UseCaseFormMixin
from config.formatting import format_money
from config.portals import paginate
from config.ratelimit import rate_limited
from config.replica import read_alias
from config.routing import route


def filtered_invoices(request, *, default_status: str):
    today = timezone.localdate()
    # The list's default status stands until the filter names one (or "all"), and the form shows it.
    query = request.GET.copy()
    if not query.get("status"):
        query["status"] = default_status or ALL_STATUSES
    form = InvoiceFilterForm(query, countries=billing_countries())
    queryset = invoices_visible_to(user=request.user).select_related("customer")
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status", default_status)
    if status and status != ALL_STATUSES:
        queryset = queryset.filter(status=status)
    if data.get("country"):
        queryset = queryset.filter(customer__country=data["country"])
    if data.get("customer"):
        queryset = queryset.filter(customer__name__icontains=data["customer"])
    if data.get("aging"):
        queryset = queryset.filter(aging.bucket_q(aging.BY_NAME[data["aging"]], today=today))
    return form, queryset.order_by("due_on", "id"), today


@route("", name="invoices")
class InvoiceListView(FinanceRequiredMixin, View):
    """Open invoices, the earliest due first, with the days left and the aging bucket."""

    template_name = "finance/billing/invoices.html"
    default_status = Invoice.State.OPEN

    def get(self, request):
        form, invoices, today = filtered_invoices(request, default_status=self.default_status)
        page = paginate(request, invoices.only(*INVOICE_LIST.reads))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "page": page,
                "table": invoice_table(page, today=today),
                "filters": form,
                "query": query.urlencode(),
            },
        )


@route("closed/", name="closed")
class ClosedInvoiceListView(InvoiceListView):
    """Refused and lapsed invoices with their credit notes (and reasons, as billing records them)."""

    template_name = "finance/list.html"

    def get(self, request):
        form, invoices, today = filtered_invoices(request, default_status="")
        invoices = (
            invoices.filter(status__in=(Invoice.State.REFUSED, Invoice.State.LAPSED))
            .select_related("credit_note")
            .order_by("-closed_at", "-id")
            .only(*CLOSED_INVOICE_LIST.reads)
        )
        page = paginate(request, invoices)
        return render(
            request,
            self.template_name,
            {
                "title": _("Refused and lapsed invoices"),
                "empty": _("No refused or lapsed invoice."),
                "page": page,
                "table": closed_invoice_table(page),
                "filters": form,
            },
        )


@route("export.csv", name="export")
class InvoiceExportView(FinanceRequiredMixin, View):
    """The filtered list as CSV, for the accountants' spreadsheets; streamed, so any number of rows fits.

    The header in the reader's language; `?sep=semicolon&decimal=comma` (the "Excel FR/DE" link) for a
    spreadsheet that reads `,` as the decimal mark.
    """

    FORMAT = CsvFormat(labels=True)

    HEADER = [
        "number",
        "customer",
        "country",
        "status",
        "issued_on",
        "due_on",
        "days_left",
        "gross",
        "amount_paid",
        "currency",
    ]

    def get(self, request):
        _form, invoices, today = filtered_invoices(request, default_status=Invoice.State.OPEN)
        rows = (
            [
                invoice.number,
                invoice.customer.name,
                invoice.customer.country,
                invoice.status,
                invoice.issued_on,
                invoice.due_on,
                aging.days_left(invoice, today=today),
                invoice.gross,
                invoice.amount_paid,
                invoice.currency,
            ]
            # Streamed after the view returns: the queryset itself names the replica (config/replica.py).
            for invoice in invoices.using(read_alias(request)).iterator(chunk_size=1000)
        )
        return csv_response(
            self.HEADER,
            rows,
            filename="invoices.csv",
            fmt=csv_format_from(request.GET, default=self.FORMAT),
            labels=INVOICE_CSV_LABELS,
        )


@route("invoices/<int:pk>/", name="invoice")
class InvoiceDetailView(ObjectFormPage, FinanceRequiredMixin, View):
    template_name = "finance/billing/invoice.html"
    form_class: type[forms.Form] = PaymentForm  # the base's type: PaymentRecordView posts it
    object_name = "invoice"

    def get_object(self, pk):
        invoice = get_object_or_404(
            invoices_visible_to(user=self.request.user)
            .select_related("customer", "entity", "credit_note")
            .prefetch_related("lines", "payments"),
            pk=pk,
        )
        aging.with_countdown([invoice], today=timezone.localdate())
        return invoice

    def blank_form(self, invoice):
        return PaymentForm(initial={"amount": invoice.amount_due, "received_on": timezone.localdate()})


@route("invoices/<int:pk>/payments/", name="pay")
@rate_limited("money")
class PaymentRecordView(InvoiceDetailView, UseCaseFormMixin):
    """Money received by transfer: the service refuses more than is due and anything but an open invoice.

    The page first: the object and the form the mixin posts are the page's, not the mixin's defaults.
    """

    use_case = staticmethod(services.invoice_pay)
    done = _("The payment is recorded.")
    success_url = "finance:billing:invoice"


@rate_limited("money")
class _ListActionView(UseCaseButtonMixin, FinanceRequiredMixin, View):
    """A list's row posts its one-field form to the use case; either way the person goes back to the list,
    told how it went."""


@route("payments/<int:pk>/reverse/", name="payment-reverse")
class PaymentReverseView(_ListActionView):
    """A payment recorded by mistake, reversed with a reason: its invoice owes the amount again."""

    form_class = PaymentReverseForm
    use_case = staticmethod(services.payment_reverse)
    object_name = "payment"
    visible_to = staticmethod(payments_visible_to)
    missing = _("Give the reason for the reversal.")
    done = _("The payment is reversed; its amount is due again.")
    back_to_url, back_to_pk = "finance:billing:invoice", "invoice_id"


@route("accounts/banned/", name="banned")
class BannedAccountsView(FinanceRequiredMixin, View):
    """Accounts without support, the latest ban's cause and the customer's words, with reinstatement."""

    def get(self, request):
        accounts = (
            Customer.objects.filter(support_status=Customer.SupportStatus.BANNED)
            .order_by("-banned_at", "-id")
            .only(*BANNED_LIST.reads)
        )
        page = paginate(request, accounts)
        last_bans = {}
        for event in (
            BanEvent.objects.filter(customer__in=[a.pk for a in page.object_list], kind=BanEvent.Kind.BAN)
            .select_related("invoice")
            .order_by("customer_id", "-id")
        ):
            last_bans.setdefault(event.customer_id, event)
        table = banned_table(page, last_bans=last_bans, csrf_token=get_token(request))
        return render(
            request,
            "finance/list.html",
            {
                "title": _("Accounts without support"),
                "empty": _("No account is banned."),
                "page": page,
                "table": table,
            },
        )


@route("accounts/<int:pk>/reinstate/", name="reinstate")
class CustomerReinstateView(_ListActionView):
    form_class = ReinstateForm
    use_case = staticmethod(services.customer_reinstate)
    object_name = "customer"
    missing = _("Give a reason for the reinstatement.")
    back_to_url, back_to_pk = "finance:billing:banned", None

    def get_object(self, pk):
        return get_object_or_404(Customer, pk=pk)

    def success_message(self, customer):
        return _("%(name)s has support again.") % {"name": customer.name}


@route("accounts/<int:pk>/history/", name="history")
class CustomerHistoryView(FinanceRequiredMixin, View):
    def get(self, request, pk):
        customer = get_object_or_404(Customer, pk=pk)
        page = paginate(request, ban_events_for(customer_id=customer.pk).only(*BAN_HISTORY_LIST.reads))
        return render(
            request,
            "finance/billing/history.html",
            {"customer": customer, "page": page, "table": ban_history_table(page)},
        )


@route("refunds/", name="refunds")
class RefundListView(FinanceRequiredMixin, View):
    """What customers paid on invoices cancelled in full since, owed back: the oldest first, each to record
    as refunded once the transfer is made."""

    def get(self, request):
        refunds = (
            refunds_visible_to(user=request.user)
            .filter(status=Refund.State.OWED)
            .order_by("created_at", "id")
            .only(*REFUND_LIST.reads)
        )
        page = paginate(request, refunds)
        return render(
            request,
            "finance/list.html",
            {
                "title": _("Refunds owed"),
                "empty": _("No refund is owed."),
                "page": page,
                "table": refund_table(page, csrf_token=get_token(request)),
            },
        )


@route("refunds/<int:pk>/mark-refunded/", name="refund-mark")
class RefundMarkRefundedView(_ListActionView):
    form_class = RefundForm
    use_case = staticmethod(services.refund_mark_refunded)
    object_name = "refund"
    visible_to = staticmethod(refunds_visible_to)
    missing = _("Give the transfer's reference.")
    back_to_url, back_to_pk = "finance:billing:refunds", None

    def success_message(self, refund):
        return _("The refund of %(amount)s to %(name)s is recorded.") % {
            "amount": format_money(refund.amount, refund.currency),
            "name": refund.customer.name,
        }
