"""Support staff: assess an SLA claim, granting the credit the contract gives or refusing it with a reason."""

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.portals import call_service
from config.ratelimit import rate_limited
from config.routing import route
from credits import selectors, services
from credits.forms import SlaGrantForm, SlaRefuseForm
from credits.models import SlaCredit
from credits.rules import SlaCreditTerms, sla_credit_for
from tickets.models import Ticket


def claimed_hours(ticket: Ticket) -> Decimal | None:
    """The length of the period the customer claimed, in hours to the hundredth (the grant form's default)."""
    if ticket.outage_started_at is None or ticket.outage_ended_at is None:
        return None
    seconds = Decimal((ticket.outage_ended_at - ticket.outage_started_at).total_seconds())
    return (seconds / 3600).quantize(Decimal("0.01"))


@route("tickets/<int:pk>/sla-claim/", name="assess")
class SlaClaimAssessView(SupportRequiredMixin, View):
    template_name = "staff/credits/assess.html"

    def get_object(self, pk):
        return get_object_or_404(
            selectors.sla_claims_visible_to(user=self.request.user).select_related("customer", "service"),
            pk=pk,
        )

    def render_page(self, ticket, *, grant_form=None, refuse_form=None, status=200):
        hours = claimed_hours(ticket)
        terms = SlaCreditTerms.from_settings()
        service = ticket.service
        # What the claimed period would earn by the rule, for the assessor's information.
        preview = (
            sla_credit_for(monthly_price=service.monthly_price, hours=hours, terms=terms)
            if service is not None and service.has_sla and hours
            else None
        )
        context = {
            "ticket": ticket,
            "claimed_hours": hours,
            "terms": terms,
            "preview": preview,
            "grant_form": grant_form or SlaGrantForm(initial={"hours": hours}),
            "refuse_form": refuse_form or SlaRefuseForm(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        ticket = self.get_object(pk)
        if ticket.status != Ticket.State.OPEN:
            return redirect("staff:tickets:detail", pk=ticket.pk)
        return self.render_page(ticket)


def _told(request, credit: SlaCredit) -> None:
    if credit.refusal == SlaCredit.Refusal.SUPPORT_BANNED:
        messages.warning(
            request,
            _(
                "The account is banned from support: by the contract it loses every SLA claim. The claim is refused."
            ),
        )
    elif credit.is_granted:
        messages.success(request, _("The SLA credit is granted; its credit note is issued."))
    else:
        messages.success(request, _("The SLA claim is refused; the customer reads the reason."))


class _AssessView(SlaClaimAssessView):
    """POST the page's `form_class` to `use_case(ticket=, by=, **the form's data)`: back to the ticket once
    assessed (or no longer open: its page shows what happened), else the page with the form's errors."""

    form_class: type[forms.Form]
    form_name: str
    use_case: Callable[..., SlaCredit]

    def post(self, request, pk):
        ticket = self.get_object(pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            ok, credit = call_service(
                request, lambda: self.use_case(ticket=ticket, by=request.user, **form.cleaned_data), form=form
            )
            if ok:
                _told(request, credit)
            if ok or not form.errors:
                return redirect("staff:tickets:detail", pk=ticket.pk)
        return self.render_page(ticket, status=400, **{self.form_name: form})


@route("tickets/<int:pk>/sla-claim/grant/", name="grant")
@rate_limited("money")  # granting issues a credit note
class SlaClaimGrantView(_AssessView):
    form_class = SlaGrantForm
    form_name = "grant_form"
    use_case = staticmethod(services.sla_claim_grant)


@route("tickets/<int:pk>/sla-claim/refuse/", name="refuse")
class SlaClaimRefuseView(_AssessView):
    form_class = SlaRefuseForm
    form_name = "refuse_form"
    use_case = staticmethod(services.sla_claim_refuse)
