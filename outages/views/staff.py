from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.form_views import UseCaseFormMixin
from config.portals import call_service, paginate
from config.routing import route
from outages import selectors, services
from outages.forms import ConcludeLinkedForm, IncidentForm, LinkTicketsForm, ResolveForm, incident_initial
from outages.models import ProviderIncident
from outages.presenters import incident_table, linked_tickets_table

SERVICES_SHOWN = 50  # on the incident's page; the form to edit a draft has them all


@route("incidents/", name="list")
class IncidentListView(SupportRequiredMixin, View):
    def get(self, request):
        page = paginate(request, selectors.incidents_for_staff())
        return render(request, "staff/outages/list.html", {"page": page, "table": incident_table(page)})


@route("incidents/new/", name="create")
class IncidentCreateView(SupportRequiredMixin, View):
    """A draft: the public sees nothing and no fee is waived until it is published."""

    def get(self, request):
        return render(request, "staff/outages/form.html", {"form": IncidentForm()})

    def post(self, request):
        form = IncidentForm(request.POST)
        if form.is_valid():
            ok, incident = call_service(
                request, lambda: services.incident_create(by=request.user, **form.cleaned_data), form=form
            )
            if ok:
                messages.success(request, _("The incident is saved as a draft."))
                return redirect("staff:outages:detail", pk=incident.pk)
        return render(request, "staff/outages/form.html", {"form": form}, status=400)


class _IncidentPage(SupportRequiredMixin, View):
    """The incident's page, with a form for each thing that can be done to it in its state."""

    def get_object(self, pk) -> ProviderIncident:
        return get_object_or_404(ProviderIncident.objects.all(), pk=pk)

    def render_page(self, incident, *, status=200, **forms):
        tickets = paginate(self.request, selectors.incident_tickets(incident=incident))
        draft = incident.status == ProviderIncident.State.DRAFT
        named = list(incident.services.order_by("id")[: SERVICES_SHOWN + 1])
        context = {
            "incident": incident,
            "kinds": incident.kind_labels,
            "services": named[:SERVICES_SHOWN],
            "more_services": len(named) > SERVICES_SHOWN,
            "page": tickets,
            "table": linked_tickets_table(tickets),
            "edit_form": forms.get("edit_form")
            or (IncidentForm(initial=incident_initial(incident)) if draft else None),
            "resolve_form": forms.get("resolve_form") or ResolveForm(),
            "link_form": forms.get("link_form") or LinkTicketsForm(),
            "conclude_form": forms.get("conclude_form")
            or ConcludeLinkedForm(initial={"findings": incident.body}),
        }
        return render(self.request, "staff/outages/detail.html", context, status=status)


@route("incidents/<int:pk>/", name="detail")
class IncidentDetailView(_IncidentPage):
    def get(self, request, pk):
        return self.render_page(self.get_object(pk))


class _IncidentFormView(UseCaseFormMixin, _IncidentPage):
    """POST one form of the incident's page to its use case; on a refusal the page comes back with the form
    and the reason on it."""

    object_name = "incident"
    success_url = "staff:outages:detail"


@route("incidents/<int:pk>/edit/", name="edit")
class IncidentEditView(_IncidentFormView):
    form_class, form_name = IncidentForm, "edit_form"
    use_case = staticmethod(services.incident_update)
    done = gettext_lazy("The draft is saved.")


@route("incidents/<int:pk>/resolve/", name="resolve")
class IncidentResolveView(_IncidentFormView):
    form_class, form_name = ResolveForm, "resolve_form"
    use_case = staticmethod(services.incident_resolve)
    done = gettext_lazy("The incident is resolved.")


@route("incidents/<int:pk>/link/", name="link")
class IncidentLinkView(_IncidentFormView):
    form_class, form_name = LinkTicketsForm, "link_form"
    use_case = staticmethod(services.incident_link_tickets)

    def tell(self, result) -> None:
        messages.success(self.request, _("Tickets linked: %(count)s.") % {"count": len(result)})


@route("incidents/<int:pk>/conclude/", name="conclude")
class IncidentConcludeView(_IncidentFormView):
    form_class, form_name = ConcludeLinkedForm, "conclude_form"
    use_case = staticmethod(services.incident_conclude_linked)

    def tell(self, result) -> None:
        messages.success(
            self.request,
            _("Tickets concluded as the provider's fault, at no charge: %(count)s.")
            % {"count": len(result.concluded)},
        )
        for pk, detail in result.failed.items():
            messages.error(
                self.request,
                _("Ticket #%(id)s was left as it was: %(reason)s") % {"id": pk, "reason": detail},
            )


@route("incidents/<int:pk>/publish/", name="publish")
class IncidentPublishView(_IncidentPage):
    def post(self, request, pk):
        incident = self.get_object(pk)
        ok, _result = call_service(
            request, lambda: services.incident_publish(incident=incident, by=request.user)
        )
        if ok:
            messages.success(request, _("The incident is published on the status page."))
        return redirect("staff:outages:detail", pk=incident.pk)
