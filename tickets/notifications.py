"""E-mails about a ticket's life: opened (with the fee accepted), diagnosis concluded, work completed."""

from django.utils.translation import gettext_lazy as _

from outbox.services import EmailSpec, email_builder
from tickets.models import Ticket

TICKET_OPENED = "ticket_opened"
DIAGNOSIS_CONCLUDED = "diagnosis_concluded"
WORK_COMPLETED = "work_completed"


def _ticket(pk: int) -> Ticket:
    return Ticket.objects.select_related("customer").get(pk=pk)


@email_builder(TICKET_OPENED)
def ticket_opened(pk: int) -> EmailSpec:
    ticket = _ticket(pk)
    return EmailSpec(
        customer=ticket.customer,
        template="email/tickets/ticket_opened",
        subject=_("Ticket no. %(ticket_id)s opened"),
        context={"ticket": ticket, "ticket_id": ticket.pk},
    )


@email_builder(DIAGNOSIS_CONCLUDED)
def diagnosis_concluded(pk: int) -> EmailSpec:
    # The diagnosis is reached through the ticket's reverse relation: tickets imports nothing of diagnostics.
    ticket = Ticket.objects.select_related("customer", "diagnosis").get(pk=pk)
    return EmailSpec(
        customer=ticket.customer,
        template="email/tickets/diagnosis_concluded",
        subject=_("Ticket no. %(ticket_id)s: diagnosis concluded"),
        context={"ticket": ticket, "ticket_id": ticket.pk, "diagnosis": ticket.diagnosis},
    )


@email_builder(WORK_COMPLETED)
def work_completed(pk: int) -> EmailSpec:
    ticket = _ticket(pk)
    return EmailSpec(
        customer=ticket.customer,
        template="email/tickets/work_completed",
        subject=_("Ticket no. %(ticket_id)s: work completed"),
        context={"ticket": ticket, "ticket_id": ticket.pk},
    )
