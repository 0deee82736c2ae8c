"""Support staff: ask the customer for access to data, and record what was done (with or without a grant)."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.form_views import UseCaseFormMixin
from config.routing import route
from consent import services
from consent.forms import AccessRequestForm, InterventionForm
from consent.views.customer import consent_context
from tickets.selectors import tickets_visible_to


@route("tickets/<int:pk>/access/", name="access")
class TicketAccessView(SupportRequiredMixin, View):
    """Ask the customer for access to data, and record what was done (with or without a grant)."""

    template_name = "staff/consent/access.html"
    success_url = "staff:consent:access"  # a form posted here comes back to this page

    def get_object(self, pk):
        return get_object_or_404(tickets_visible_to(user=self.request.user).select_related("customer"), pk=pk)

    def render_page(self, ticket, *, request_form=None, intervention_form=None, status=200):
        context = consent_context(ticket=ticket, user=self.request.user, customer_view=False)
        context.update(
            request_form=request_form or AccessRequestForm(),
            intervention_form=intervention_form or InterventionForm(),
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_object(pk))


@route("tickets/<int:pk>/access/request/", name="request_access")
class AccessRequestCreateView(UseCaseFormMixin, TicketAccessView):
    form_class = AccessRequestForm
    form_name = "request_form"
    use_case = staticmethod(services.access_request_create)
    done = _("The customer is asked for access.")


@route("tickets/<int:pk>/interventions/", name="intervene")
class InterventionCreateView(UseCaseFormMixin, TicketAccessView):
    form_class = InterventionForm
    form_name = "intervention_form"
    use_case = staticmethod(services.intervention_perform)
    done = _("The intervention is recorded; the customer sees it.")
