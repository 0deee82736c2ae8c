"""Customer portal: who may touch the account's data for a ticket, what was done, and the access log."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from config.form_views import UseCaseButtonMixin
from config.routing import route
from consent import selectors, services
from consent.presenters import AUDIT_LIST, audit_table
from tickets.selectors import tickets_visible_to


def consent_context(*, ticket, user, customer_view: bool) -> dict:
    return {
        "ticket": ticket,
        "customer_view": customer_view,
        "access_requests": selectors.access_requests_of_ticket(ticket=ticket)
        .select_related("requested_by")
        .order_by("-id"),
        "interventions": selectors.interventions_of_ticket(ticket=ticket)
        .select_related("agent", "consent")
        .order_by("-id"),
        "audit": audit_table(
            selectors.audit_entries_filter(
                selectors.audit_entries_visible_to(user=user), {"ticket": ticket.pk}
            )
            .only(*AUDIT_LIST.reads)
            .order_by("-id")[:200],
            to_customer=customer_view,
        ),
    }


@route("tickets/<int:pk>/access/", name="access")
class TicketAccessView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=pk)
        return render(
            request,
            "customer/consent/access.html",
            consent_context(ticket=ticket, user=request.user, customer_view=True),
        )


class _AccessDecisionView(UseCaseButtonMixin, CustomerRequiredMixin, View):
    object_name = "access_request"
    visible_to = staticmethod(selectors.access_requests_visible_to)
    back_to_url = "customer:consent:access"


@route("access-requests/<int:pk>/grant/", name="grant")
class AccessGrantView(_AccessDecisionView):
    use_case = staticmethod(services.access_request_grant)
    done = _("Access granted, for the hours asked from now on. You may revoke it at any time.")


@route("access-requests/<int:pk>/deny/", name="deny")
class AccessDenyView(_AccessDecisionView):
    use_case = staticmethod(services.access_request_deny)
    done = _("Access denied: nobody will touch your data for this request.")


@route("access-requests/<int:pk>/revoke/", name="revoke")
class AccessRevokeView(_AccessDecisionView):
    use_case = staticmethod(services.access_request_revoke)
    done = _("Access revoked: it ends now.")
