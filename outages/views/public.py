from django.shortcuts import render
from django.utils import timezone
from django.views import View

from config.portals import paginate
from config.ratelimit import rate_limited
from config.routing import route
from outages import selectors
from outages.models import ProviderIncident


@route("status/", name="status")
@rate_limited("public_status", methods=("get",))  # anyone may read it: counted per client IP
class StatusPageView(View):
    """The provider's known incidents, under way and past: for anyone, signed in or not."""

    def get(self, request):
        now = timezone.now()
        page = paginate(request, selectors.incidents_public())
        # Under way now: few at any time, and shown first on every page.
        active = list(ProviderIncident.objects.active(at=now).order_by("-starts_at", "-id")[:20])
        return render(request, "outages/status.html", {"page": page, "active": active, "now": now})
