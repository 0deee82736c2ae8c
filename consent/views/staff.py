"""Support staff: ask the customer for access to data, and record what was done (with or without a grant)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.portals import call_service
from consent import services
from consent.forms import AccessRequestForm, InterventionForm
from consent.views.customer import consent_context
from tickets.selectors import tickets_visible_to


class TicketAccessView(SupportRequiredMixin, View):
    """Ask the customer for access to data, and record what was done (with or without a grant)."""

    template_name = "staff/consent/access.html"

    def get_ticket(self, pk):
        return get_object_or_404(tickets_visible_to(user=self.request.user).select_related("customer"), pk=pk)

    def render_page(self, ticket, *, request_form=None, intervention_form=None, status=200):
        context = consent_context(ticket=ticket, user=self.request.user)
        context.update(
            request_form=request_form or AccessRequestForm(),
            intervention_form=intervention_form or InterventionForm(),
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_ticket(pk))


class AccessRequestCreateView(TicketAccessView):
    def post(self, request, pk):
        ticket = self.get_ticket(pk)
        form = AccessRequestForm(request.POST)
        if form.is_valid():
            ok, _request = call_service(
                request,
                lambda: services.access_request_create(ticket=ticket, by=request.user, **form.cleaned_data),
                form=form,
            )
            if ok:
                messages.success(request, _("The customer is asked for access."))
                return redirect("staff:consent:access", pk=ticket.pk)
        return self.render_page(ticket, request_form=form, status=400)


class InterventionCreateView(TicketAccessView):
    def post(self, request, pk):
        ticket = self.get_ticket(pk)
        form = InterventionForm(request.POST)
        if form.is_valid():
            ok, _intervention = call_service(
                request,
                lambda: services.intervention_perform(ticket=ticket, by=request.user, **form.cleaned_data),
                form=form,
            )
            if ok:
                messages.success(request, _("The intervention is recorded; the customer sees it."))
                return redirect("staff:consent:access", pk=ticket.pk)
        return self.render_page(ticket, intervention_form=form, status=400)
