"""A ticket's page and thread as both portals serve them: the page, posting a message, an attachment."""

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.errors import SupportBanned
from config.portals import call_service, permission_message
from config.ratelimit import rate_limited
from documents.files import private_file_response
from tickets import selectors, services
from tickets.fees import Outcome
from tickets.forms import MessageForm
from tickets.models import Attachment


def ticket_page(
    request, ticket, *, template_name: str, portal: str, message_form=None, status: int = 200, **context
) -> HttpResponse:
    """A ticket's page with its thread and history, and what the `portal` (its URL namespace) adds in
    `context`; a message posted through htmx gets the thread alone back."""
    context = {
        "ticket": ticket,
        "quote": getattr(ticket, "quote", None),
        "diagnosis": getattr(ticket, "diagnosis", None),
        "events": selectors.ticket_events_for(ticket=ticket, user=request.user),
        "outcomes": Outcome.choices,
        "thread": selectors.ticket_thread(ticket=ticket),
        "form": message_form or MessageForm(),
        # A banned account's users write only in its running incidents: no form where it would be refused.
        "may_write": not services.message_refused_to(ticket=ticket, author=request.user),
        "portal": portal,
        "message_url": f"{portal}:tickets:message",
        "staff_view": portal == "staff",  # the staff see which messages came by e-mail (mailin)
        "attachment_url": f"{portal}:tickets:attachment",
        **context,
    }
    if request.htmx and request.method == "POST" and message_form is not None:
        # htmx swaps only 2xx answers: the thread comes back with the form and its errors in place.
        return render(request, "includes/thread.html", context)
    return render(request, template_name, context, status=status)


class MessagePostMixin:
    """POST a message, with a file or not, on the page's ticket; htmx gets the thread back in place.

    The view provides `get_object(pk)`, `render_page(ticket, *, message_form, status)` and `success_url`.
    """

    success_url: str

    @rate_limited("message_post")
    def post(self, request, pk):
        ticket = self.get_object(pk)
        form = MessageForm(request.POST, request.FILES)
        if services.message_refused_to(ticket=ticket, author=request.user):
            # The service refuses it too; said here first, so that the answer is a 403 as the API's.
            messages.error(request, permission_message(SupportBanned()))
            return self.render_page(ticket, message_form=form, status=403)
        if form.is_valid():
            ok, _message = call_service(
                request,
                lambda: services.message_post_with_attachment(
                    ticket=ticket,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    upload=form.cleaned_data["attachment"],
                ),
                form=form,
            )
            if ok:
                if request.htmx:
                    return self.render_page(ticket, message_form=MessageForm())
                messages.success(request, _("Your message was sent."))
                return redirect(self.success_url, pk=ticket.pk)
        return self.render_page(ticket, message_form=form, status=400)


def attachment_response(*, user, pk: int) -> HttpResponseBase:
    """The file, to those who may see its ticket; always a download, never rendered by the browser.

    Streamed from the storage every node shares, or a redirect to a short-lived signed address of it
    (documents.files): the check above comes first either way.
    """
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=selectors.tickets_visible_to(user=user)), pk=pk
    )
    return private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
