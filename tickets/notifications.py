"""E-mails about a ticket's life: opened (with the fee accepted), diagnosis concluded, work completed,
answered and closed, and each message the support staff write on it; and the staff notices, telling the desk
what a customer did on a ticket."""

from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outbox.services import EmailSpec, email_builder, site_link
from tickets.models import Message, StaffNotice, Ticket
from tickets.replies import ticket_reply_address

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TICKET_OPENED = "ticket_opened"
DIAGNOSIS_CONCLUDED = "diagnosis_concluded"
WORK_COMPLETED = "work_completed"
TICKET_ANSWERED = "ticket_answered"  # a question (technical, commercial, SLA claim) answered and closed
STAFF_REPLIED = "staff_replied"  # about a Message, not a ticket: one e-mail per message of the staff

# Each kind's subject, and the ticket's parts its template reads besides the ticket. The diagnosis is
# reached through the ticket's reverse relation: tickets imports nothing of diagnostics.
TICKET_EMAILS = {
    TICKET_OPENED: (_("Ticket no. %(ticket_id)s opened"), ()),
    DIAGNOSIS_CONCLUDED: (_("Ticket no. %(ticket_id)s: diagnosis concluded"), ("diagnosis",)),
    WORK_COMPLETED: (_("Ticket no. %(ticket_id)s: work completed"), ()),
    TICKET_ANSWERED: (_("Ticket no. %(ticket_id)s: our answer"), ()),
}


def ticket_email(pk: int, *, kind: str) -> EmailSpec:
    subject, parts = TICKET_EMAILS[kind]
    ticket = Ticket.objects.select_related("customer", *parts).get(pk=pk)
    return customer_ticket_email(ticket, kind, subject, **{part: getattr(ticket, part) for part in parts})


def customer_ticket_email(ticket: Ticket, kind: str, subject: "StrOrPromise", **context: object) -> EmailSpec:
    """An e-mail to the customer about `ticket`: its template email/tickets/<kind>, the ticket's page as
    the link, and the ticket's signed address as Reply-To, so that an answer becomes its next message."""
    return EmailSpec(
        customer=ticket.customer,
        template=f"email/tickets/{kind}",
        subject=subject,
        context={
            "ticket": ticket,
            "ticket_id": ticket.pk,
            "link": customer_ticket_link(ticket.pk),
            **context,
        },
        reply_to=ticket_reply_to(ticket.pk),
    )


@email_builder(STAFF_REPLIED)
def staff_reply_email(pk: int) -> EmailSpec:
    """A message the support staff wrote on a ticket, to the account's users with its text: a helpdesk's
    answer reaches the customer where they are, and their reply by e-mail (to the ticket's signed address)
    becomes the ticket's next message, the quoted text of this one stripped."""
    message = Message.objects.select_related("ticket__customer").get(pk=pk)
    subject = _("Ticket no. %(ticket_id)s: a reply from the support team")
    return customer_ticket_email(message.ticket, STAFF_REPLIED, subject, body=message.body)


def ticket_reply_to(ticket_id: int) -> tuple[str, ...]:
    """The Reply-To of an e-mail to the customer about a ticket: its signed address, a reply to which
    becomes a message on it (mailin); none while e-mail in is not configured."""
    address = ticket_reply_address(ticket_id)
    return (address,) if address else ()


def customer_ticket_link(ticket_id: int) -> str:
    """The customer's page of the ticket, where its decisions are taken (a quote, an access request)."""
    return site_link(reverse("customer:tickets:detail", args=[ticket_id]))


for _kind in TICKET_EMAILS:
    email_builder(_kind)(partial(ticket_email, kind=_kind))


# Each staff notice's subject; its outbox kind is "staff_<event>", its templates email/tickets/staff_notice.
STAFF_NOTICE_SUBJECTS = {
    StaffNotice.Event.TICKET_OPENED: _("New ticket no. %(ticket_id)s from %(customer_name)s"),
    StaffNotice.Event.MESSAGE: _("Ticket no. %(ticket_id)s: the customer replied"),
    StaffNotice.Event.ACCESS_GRANTED: _("Ticket no. %(ticket_id)s: access to the customer's data granted"),
    StaffNotice.Event.QUOTE_ACCEPTED: _("Ticket no. %(ticket_id)s: quote accepted, the work can start"),
    StaffNotice.Event.QUOTE_DECLINED: _("Ticket no. %(ticket_id)s: quote declined, the ticket is closed"),
}


def staff_notice_kind(event: str) -> str:
    return f"staff_{event}"


def staff_notice_email(pk: int) -> EmailSpec:
    """A staff notice, to its recipient in their language (the queue's address: the site's language). A
    recipient deactivated or who switched notices off since it was written gets nothing."""
    notice = StaffNotice.objects.select_related("ticket__customer", "recipient").get(pk=pk)
    ticket, recipient = notice.ticket, notice.recipient
    to: tuple[str, ...]
    if recipient is None:
        to, language = (notice.address,), settings.LANGUAGE_CODE
    else:
        wants = recipient.is_active and recipient.email_notices
        to, language = ((recipient.email,) if wants else ()), recipient.preferred_language
    return EmailSpec(
        customer=ticket.customer,
        template="email/tickets/staff_notice",
        subject=STAFF_NOTICE_SUBJECTS[StaffNotice.Event(notice.event)],
        context={
            "ticket": ticket,
            "ticket_id": ticket.pk,
            "customer_name": ticket.customer.name,
            "event": notice.event,
            "link": site_link(reverse("staff:tickets:detail", args=[ticket.pk])),
        },
        to=to,
        language=language,
    )


for _event in StaffNotice.Event.values:
    email_builder(staff_notice_kind(_event))(staff_notice_email)
