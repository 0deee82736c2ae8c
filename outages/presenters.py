"""The columns of the staff's incident lists."""

from django.utils.translation import gettext_lazy as _

from accounts.templatetags.portal import pk_path
from config.formatting import format_datetime
from config.listing import Column, Listing, Table
from config.status_column import STATUS, status_values
from outages.models import ProviderIncident
from tickets.models import Ticket

INCIDENT_LIST = Listing(
    Column("#", "{pk}"),
    Column(_("Title"), '<a href="{url}">{title}</a>', reads=("title_en", "title_fr", "title_de")),
    STATUS,
    Column(_("Start"), "{starts}", reads=("starts_at",)),
    Column(_("End"), "{ends}", reads=("ends_at",)),
    row='<tr id="incident-{pk}">',
    reads=("id",),
)

LINKED_TICKETS = Listing(
    Column("#", "{pk}"),
    Column(_("Subject"), '<a href="{url}">{subject}</a>', reads=("subject",)),
    Column(_("Customer"), "{customer}", reads=("customer__name",)),
    STATUS,
    reads=("id",),
)


def incident_table(incidents) -> Table:
    return INCIDENT_LIST.table(incidents, _incident_values)


def _incident_values(incident: ProviderIncident) -> dict:
    return {
        "pk": incident.pk,
        "url": pk_path("staff:outages:detail", incident.pk),
        "title": incident.title,
        **status_values(incident),
        "starts": format_datetime(incident.starts_at),
        "ends": format_datetime(incident.ends_at) if incident.ends_at else "—",
    }


def linked_tickets_table(tickets) -> Table:
    return LINKED_TICKETS.table(tickets, _ticket_values)


def _ticket_values(ticket: Ticket) -> dict:
    return {
        "pk": ticket.pk,
        "url": pk_path("staff:tickets:detail", ticket.pk),
        "subject": ticket.subject,
        "customer": ticket.customer.name,
        **status_values(ticket),
    }
