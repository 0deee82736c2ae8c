"""Support staff: what the mailbox received and what became of each message."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from accounts.permissions import SupportRequiredMixin
from config.portals import paginate
from config.routing import route
from mailin.models import InboundEmail
from mailin.presenters import INBOUND_LIST, inbound_table


@route("mail/", name="inbound")
class InboundEmailListView(SupportRequiredMixin, View):
    """Newest first, keyset pages; rejections with their reason, accepted mail with its ticket."""

    def get(self, request):
        page = paginate(request, InboundEmail.objects.order_by("-id").only(*INBOUND_LIST.reads))
        return render(
            request,
            "staff/mailin/inbound.html",
            {
                "title": _("E-mail received"),
                "empty": _("No e-mail received yet."),
                "page": page,
                "table": inbound_table(page),
            },
        )
