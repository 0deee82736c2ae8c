"""E-mails about a ticket's life: opened (with the fee accepted), diagnosis concluded, work completed."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from outbox.services import EmailSpec, email_builder
from tickets.models import Ticket

TICKET_OPENED = "ticket_opened"
DIAGNOSIS_CONCLUDED = "diagnosis_concluded"
WORK_COMPLETED = "work_completed"

# Each kind's subject, and the ticket's parts its template reads besides the ticket. The diagnosis is
# reached through the ticket's reverse relation: tickets imports nothing of diagnostics.
TICKET_EMAILS = {
    TICKET_OPENED: (_("Ticket no. %(ticket_id)s opened"), ()),
    DIAGNOSIS_CONCLUDED: (_("Ticket no. %(ticket_id)s: diagnosis concluded"), ("diagnosis",)),
    WORK_COMPLETED: (_("Ticket no. %(ticket_id)s: work completed"), ()),
}


def ticket_email(pk: int, *, kind: str) -> EmailSpec:
    subject, parts = TICKET_EMAILS[kind]
    ticket = Ticket.objects.select_related("customer", *parts).get(pk=pk)
    return EmailSpec(
        customer=ticket.customer,
        template=f"email/tickets/{kind}",
        subject=subject,
        context={"ticket": ticket, "ticket_id": ticket.pk, **{part: getattr(ticket, part) for part in parts}},
    )


for _kind in TICKET_EMAILS:
    email_builder(_kind)(partial(ticket_email, kind=_kind))
