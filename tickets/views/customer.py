"""Customer portal: dashboard, tickets, opening one (fee shown first), messages and attachments."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from accounts.selectors import services_visible_to
from billing.aging import with_countdown
from billing.models import Invoice
from billing.pricing import diagnosis_fee_for, known_incidents_affecting
from billing.selectors import invoices_visible_to
from billing.tax import buyer_of
from config.form_views import UseCaseButtonMixin
from config.portals import call_service, paginate
from config.ratelimit import rate_limited
from config.routing import route
from tickets import selectors, services
from tickets.fees import outcome_costs
from tickets.forms import TicketOpenForm, TicketSearchForm
from tickets.models import Ticket
from tickets.presenters import CUSTOMER_LIST, customer_table
from tickets.selectors import customer_decisions
from tickets.views.thread import MessagePostMixin, attachment_response, ticket_page


def _service_label(service, *, affected: dict[int, int]) -> str:
    if service.pk in affected:
        return _("%(name)s (known provider incident: free diagnosis)") % {"name": service.name}
    return service.name


def ticket_page_queryset(user):
    # Only what the page shows: each joined table costs PostgreSQL planning time on every view.
    return (
        selectors.tickets_visible_to(user=user)
        .select_related("service", "diagnosis", "quote", "provider_incident", "sla_credit__credit_note")
        .prefetch_related("quote__lines")
    )


# How many rows each card of the dashboard shows; past that, the card links to the whole list.
DASHBOARD_ROWS = 10


def first_rows(queryset, count: int = DASHBOARD_ROWS) -> tuple[list, bool]:
    """The first `count` rows, and whether there are more (one row more is read, no COUNT)."""
    rows = list(queryset[: count + 1])
    return rows[:count], len(rows) > count


@route("", name="dashboard")
class DashboardView(CustomerRequiredMixin, View):
    def get(self, request):
        tickets = selectors.tickets_visible_to(user=request.user)
        today = timezone.localdate()
        open_tickets, more_tickets = first_rows(
            tickets.filter(status__in=selectors.OPEN_STATES).select_related("service")
        )
        quotes, more_quotes = first_rows(
            tickets.filter(status=Ticket.State.QUOTE_SENT, quote__status="sent")
            .select_related("quote")
            .order_by("quote__valid_until")
        )
        invoices_due, more_invoices = first_rows(
            invoices_visible_to(user=request.user).filter(status=Invoice.State.OPEN).order_by("due_on")
        )
        decisions = [
            (decision, *first_rows(decision.pending(user=request.user))) for decision in customer_decisions()
        ]
        return render(
            request,
            "customer/tickets/dashboard.html",
            {
                "account": request.user.customer,
                "open_tickets": open_tickets,
                "more_tickets": more_tickets,
                "quotes": quotes,
                "more_quotes": more_quotes,
                "invoices_due": with_countdown(invoices_due, today=today),
                "more_invoices": more_invoices,
                # (decision, rows, more) for what else waits for the account (tickets.selectors.customer_decision)
                "decisions": [
                    (decision, [(row, decision.describe(row)) for row in rows], more)
                    for decision, rows, more in decisions
                ],
            },
        )


@route("tickets/", name="list")
class TicketListView(CustomerRequiredMixin, View):
    def get(self, request):
        form = TicketSearchForm(request.GET)
        tickets, status = selectors.tickets_visible_to(user=request.user), 200
        if form.search_error():  # shown on the form; no list would be the one searched for
            tickets, status = tickets.none(), 400
        elif form.search():
            tickets = selectors.tickets_filter(tickets, {"q": form.search()})
        page = paginate(request, tickets.order_by("-id").only(*CUSTOMER_LIST.reads))
        return render(
            request,
            "customer/tickets/list.html",
            {"page": page, "table": customer_table(page), "search": form},
            status=status,
        )


class _OpenView(CustomerRequiredMixin, View):
    template_name = ""
    incident = True

    def form(self, data=None):
        services = services_visible_to(user=self.request.user)
        form = TicketOpenForm(data, services=services)
        form.fields["service"].initial = self.request.GET.get("service")  # "report on this service" links
        self.services, self.affected = list(services), {}
        if self.incident:
            del form.fields["kind"]
            # A known provider incident makes a ticket on the service free: the choice says so.
            self.affected = known_incidents_affecting(services=self.services, at=timezone.now())
            form.fields["service"].label_from_instance = partial(_service_label, affected=self.affected)
            del form.fields["outage_started_at"]
            del form.fields["outage_ended_at"]
        else:
            del form.fields["accept_diagnosis_fee"]
            del form.fields["suspected_provider_fault"]
            form.fields["kind"].choices = [
                c for c in form.fields["kind"].choices if c[0] != Ticket.Kind.INCIDENT
            ]
        return form

    def context(self, form):
        account = self.request.user.customer
        context = {"form": form, "account": account}
        if self.incident and not account.is_banned:
            chosen = form.data.get("service") if form.is_bound else self.request.GET.get("service")
            service = next((s for s in self.services if str(s.pk) == str(chosen)), None)
            fee = diagnosis_fee_for(buyer=buyer_of(account), service=service)
            context.update(
                fee=fee,
                costs=outcome_costs(fee_free=fee.free, fee_free_reason=fee.free_reason),
                affected_services=[s for s in self.services if s.pk in self.affected],
            )
        return context

    def get(self, request):
        return render(request, self.template_name, self.context(self.form()))

    @rate_limited("ticket_create")
    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            values.setdefault("kind", Ticket.Kind.INCIDENT)
            ok, ticket = call_service(
                request, lambda: services.ticket_open(by=request.user, **values), form=form
            )
            if ok:
                messages.success(request, _("Ticket #%(id)s is open.") % {"id": ticket.pk})
                return redirect("customer:tickets:detail", pk=ticket.pk)
        return render(request, self.template_name, self.context(form), status=400 if form.errors else 200)


@route("tickets/new/", name="open")
class TicketOpenView(_OpenView):
    """An incident: the fee for this account and each outcome's cost are shown before the order (LAW-11)."""

    template_name = "customer/tickets/open.html"


@route("tickets/ask/", name="ask")
class QuestionOpenView(_OpenView):
    """A technical or commercial question or an SLA claim: free, no fee to accept."""

    template_name = "customer/tickets/ask.html"
    incident = False


@route("tickets/<int:pk>/", name="detail")
class TicketDetailView(CustomerRequiredMixin, View):
    success_url = "customer:tickets:detail"  # a message posted here comes back to this page

    def get_object(self, pk):
        return get_object_or_404(ticket_page_queryset(self.request.user), pk=pk)

    def render_page(self, ticket, *, message_form=None, status=200):
        return ticket_page(
            self.request,
            ticket,
            template_name="customer/tickets/detail.html",
            portal="customer",
            message_form=message_form,
            status=status,
            # The ticket is the account's own (ticket_page_queryset); the list shows no amount paid.
            invoices=Invoice.objects.filter(ticket_id=ticket.pk)
            .order_by("id")
            .only("id", "number", "gross", "currency", "status"),
            can_cancel=ticket.status == Ticket.State.OPEN,
            # What waits for the customer's decision on this ticket, with where to decide it.
            decisions=[
                decision
                for decision in customer_decisions()
                if ticket.status in selectors.OPEN_STATES
                and decision.pending(user=self.request.user).filter(ticket_id=ticket.pk).exists()
            ],
        )

    def get(self, request, pk):
        return self.render_page(self.get_object(pk))


@route("tickets/<int:pk>/messages/", name="message")
class MessagePostView(MessagePostMixin, TicketDetailView):
    pass


@route("tickets/<int:pk>/cancel/", name="cancel")
class TicketCancelView(UseCaseButtonMixin, CustomerRequiredMixin, View):
    use_case = staticmethod(services.ticket_cancel)
    object_name = "ticket"
    visible_to = staticmethod(selectors.tickets_visible_to)
    done = gettext_lazy("The ticket is cancelled; it costs nothing.")
    back_to_url, back_to_pk = "customer:tickets:detail", "pk"


@route("attachments/<int:pk>/", name="attachment")
class AttachmentDownloadView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        return attachment_response(user=request.user, pk=pk)
