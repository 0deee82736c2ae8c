"""Support staff portal: the diagnosis queue, claiming, the ticket workspace, "my tickets"."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.permissions import SupportRequiredMixin
from accounts.selectors import billing_countries
from config.form_views import UseCaseButtonMixin, UseCaseFormMixin
from config.keyset import ordering_of
from config.portals import call_service, paginate
from config.routing import route
from tickets import selectors, services
from tickets.forms import CloseForm, QueueFilterForm
from tickets.models import Ticket
from tickets.presenters import STAFF_LIST, sla_targets, staff_table
from tickets.views.thread import MessagePostMixin, attachment_response, ticket_page


def _list_context(request, queryset, *, title, filter_form):
    # The columns, and what the list is ordered by: a page's cursor is read from its first and last rows.
    order = [field for field, _descending in ordering_of(queryset)]
    queryset = queryset.select_related("customer", "assignee").only(*STAFF_LIST.reads, *order)
    page = paginate(request, queryset)
    return {
        "page": page,
        "table": staff_table(page),
        "title": title,
        "filters": filter_form,
        "query": _without_page(request),
    }


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class _TicketListView(SupportRequiredMixin, View):
    template_name = "staff/tickets/queue.html"
    title: "str | StrPromise" = ""  # lazy: a class attribute is read in the request's language

    def queryset(self, filters: dict):
        raise NotImplementedError

    def get(self, request):
        form = QueueFilterForm(request.GET or None, countries=billing_countries())
        filters = form.selector_filters(user=request.user) if request.GET else {}
        queryset, status = self.queryset(filters), 200
        if form.search_error():  # shown on the form; no list would be the one searched for
            queryset, status = queryset.none(), 400
        context = _list_context(request, queryset, title=self.title, filter_form=form)
        template = (
            "staff/tickets/_rows.html"
            if request.htmx and request.htmx.target == "ticket-rows"
            else self.template_name
        )
        return render(request, template, context, status=status)


@route("", name="queue")
class QueueView(_TicketListView):
    """Every ticket that waits for support (questions too, and work under way), the oldest first."""

    title = gettext_lazy("Inbox")

    def queryset(self, filters):
        return selectors.tickets_inbox(filters=filters)


@route("mine/", name="mine")
class MyTicketsView(_TicketListView):
    title = gettext_lazy("My tickets")

    def queryset(self, filters):
        filters["assignee"] = self.request.user.pk
        filters.pop("unassigned", None)
        return selectors.tickets_for_staff(user=self.request.user, filters=filters)


@route("tickets/", name="all")
class AllTicketsView(_TicketListView):
    """Every ticket, questions included (they are answered from here), newest first."""

    title = gettext_lazy("All tickets")

    def queryset(self, filters):
        return selectors.tickets_for_staff(user=self.request.user, filters=filters)


@route("tickets/<int:pk>/claim/", name="claim")
class TicketClaimView(SupportRequiredMixin, View):
    """The agent takes the ticket; an incident's diagnosis (and the customer's fee) starts apart."""

    def post(self, request, pk):
        ticket = get_object_or_404(selectors.tickets_visible_to(user=request.user), pk=pk)
        ok, ticket = call_service(request, lambda: services.ticket_claim(ticket=ticket, by=request.user))
        if ok:
            messages.success(request, _("Ticket #%(id)s is yours.") % {"id": ticket.pk})
            return redirect("staff:tickets:detail", pk=ticket.pk)
        return redirect("staff:tickets:queue")


@route("tickets/<int:pk>/start-diagnosis/", name="start")
class TicketStartDiagnosisView(UseCaseButtonMixin, SupportRequiredMixin, View):
    """The billable step, on its own button: the incident's diagnosis starts, with the customer's fee."""

    use_case = staticmethod(services.ticket_start_diagnosis)
    object_name = "ticket"
    visible_to = staticmethod(selectors.tickets_visible_to)
    back_to_url, back_to_pk = "staff:tickets:detail", "pk"

    def success_message(self, ticket):
        return _("You now diagnose ticket #%(id)s.") % {"id": ticket.pk}


@route("tickets/<int:pk>/", name="detail")
class TicketWorkspaceView(SupportRequiredMixin, View):
    template_name = "staff/tickets/detail.html"
    success_url = "staff:tickets:detail"  # a form posted here comes back to this page

    def get_object(self, pk):
        return get_object_or_404(
            selectors.tickets_visible_to(user=self.request.user)
            .select_related(
                "customer",
                "service",
                "assignee",
                "opened_by",
                "diagnosis",
                "quote",
                "provider_incident",
                "sla_credit__credit_note",
            )
            .prefetch_related("quote__lines"),
            pk=pk,
        )

    def render_page(self, ticket, *, message_form=None, close_form=None, status=200):
        return ticket_page(
            self.request,
            ticket,
            template_name=self.template_name,
            portal="staff",
            message_form=message_form,
            status=status,
            close_form=close_form or CloseForm(),
            # An SLA claim is answered by its assessment (credits: granted or refused), not a free answer.
            is_open_question=ticket.status == Ticket.State.OPEN
            and ticket.kind in (Ticket.Kind.TECHNICAL, Ticket.Kind.COMMERCIAL),
            show_actor_email=True,
            sla_targets=sla_targets(ticket, now=timezone.now()),
        )

    def get(self, request, pk):
        return self.render_page(self.get_object(pk))


@route("tickets/<int:pk>/messages/", name="message")
class MessagePostView(MessagePostMixin, TicketWorkspaceView):
    pass


@route("tickets/<int:pk>/close/", name="close")
class TicketCloseView(UseCaseFormMixin, TicketWorkspaceView):
    """Answer a question ticket and close it."""

    form_class = CloseForm
    form_name = "close_form"
    use_case = staticmethod(services.ticket_close)
    done = gettext_lazy("The ticket is answered and closed.")


@route("attachments/<int:pk>/", name="attachment")
class AttachmentDownloadView(SupportRequiredMixin, View):
    def get(self, request, pk):
        return attachment_response(user=request.user, pk=pk)
