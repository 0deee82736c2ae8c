"""Support staff: report the quoted work as done (the invoice is issued by the service)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.portals import call_service
from quotes import services
from quotes.forms import CompleteWorkForm
from tickets.selectors import tickets_visible_to


class TicketCompleteWorkView(SupportRequiredMixin, View):
    template_name = "staff/quotes/complete.html"

    def get_ticket(self, pk):
        return get_object_or_404(
            tickets_visible_to(user=self.request.user).select_related("customer", "quote"), pk=pk
        )

    def get(self, request, pk):
        return render(
            request, self.template_name, {"ticket": self.get_ticket(pk), "form": CompleteWorkForm()}
        )

    def post(self, request, pk):
        ticket = self.get_ticket(pk)
        form = CompleteWorkForm(request.POST)
        if form.is_valid():
            ok, _ticket = call_service(
                request,
                lambda: services.ticket_complete_work(
                    ticket=ticket, report=form.cleaned_data["report"], by=request.user
                ),
                form=form,
            )
            if ok:
                messages.success(request, _("The work is complete; the invoice is issued."))
                return redirect("staff:tickets:detail", pk=ticket.pk)
        return render(request, self.template_name, {"ticket": ticket, "form": form}, status=400)
