"""Support staff: conclude a diagnosis, choosing an outcome whose cost to the customer is shown."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from billing.services import LineSpec
from billing.tax import buyer_of, sale_terms
from config.portals import call_service
from config.ratelimit import rate_limited
from config.routing import route
from diagnostics import services
from diagnostics.forms import ConcludeForm, QuoteLineFormSet
from tickets.fees import Outcome, outcome_costs
from tickets.selectors import tickets_visible_to


@route("tickets/<int:pk>/conclude/", name="conclude")
@rate_limited("money")  # concluding issues the diagnosis invoice (or sends the quote)
class DiagnosisConcludeView(SupportRequiredMixin, View):
    template_name = "staff/diagnostics/conclude.html"

    def get_ticket(self, pk):
        return get_object_or_404(
            tickets_visible_to(user=self.request.user).select_related("customer", "service"), pk=pk
        )

    def render_page(self, ticket, form, lines, *, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "ticket": ticket,
                "form": form,
                "lines": lines,
                "costs": outcome_costs(
                    fee_free=bool(ticket.fee_free),
                    suspected_provider_fault=ticket.suspected_provider_fault,
                    fee_free_reason=ticket.fee_free_reason,
                ),
                "vat_rate": sale_terms(buyer=buyer_of(ticket.customer), on=timezone.localdate())[1].rate,
            },
            status=status,
        )

    def get(self, request, pk):
        ticket = self.get_ticket(pk)
        return self.render_page(ticket, ConcludeForm(), QuoteLineFormSet(prefix="lines"))

    def post(self, request, pk):
        ticket = self.get_ticket(pk)
        form = ConcludeForm(request.POST)
        lines = QuoteLineFormSet(request.POST, prefix="lines")
        quoted = request.POST.get("outcome") == Outcome.QUOTED
        # Lines matter only with a quote: a half-typed line left behind must not block another outcome.
        if form.is_valid() and (not quoted or lines.is_valid()):
            values = form.cleaned_data
            quote = None
            if quoted:
                specs = [LineSpec(**line) for line in lines.cleaned_data if line]
                quote = (
                    services.QuoteSpec(lines=specs, valid_days=values.get("valid_days")) if specs else None
                )
            ok, _diagnosis = call_service(
                request,
                lambda: services.diagnosis_conclude(
                    ticket=ticket,
                    findings=values["findings"],
                    outcome=values["outcome"],
                    quote=quote,
                    by=request.user,
                ),
                form=form,
            )
            if ok:
                messages.success(request, _("The diagnosis is concluded."))
                return redirect("staff:tickets:detail", pk=ticket.pk)
        return self.render_page(ticket, form, lines, status=400)
