"""Support staff: report the quoted work as done (the invoice is issued by the service)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.form_pages import ObjectFormPage
from config.form_views import UseCaseFormMixin
from config.ratelimit import rate_limited
from config.routing import route
from quotes import services
from quotes.forms import CompleteWorkForm
from tickets.selectors import tickets_visible_to


@route("tickets/<int:pk>/complete/", name="complete")
@rate_limited("money")  # completing the work issues the invoice
class TicketCompleteWorkView(UseCaseFormMixin, ObjectFormPage, SupportRequiredMixin, View):
    template_name = "staff/quotes/complete.html"
    form_class = CompleteWorkForm
    use_case = staticmethod(services.ticket_complete_work)
    done = _("The work is complete; the invoice is issued.")
    success_url = "staff:tickets:detail"

    def get_object(self, pk):
        return get_object_or_404(
            tickets_visible_to(user=self.request.user).select_related("customer", "quote"), pk=pk
        )
