"""A ticket's access log on the consent pages of both portals, declared once as its columns
(config/listing.py)."""

from functools import partial

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from config.formatting import format_datetime
from config.listing import Column, Listing, Table
from consent.models import AuditEntry, data_action_label

AUDIT_LIST = Listing(
    Column.field(_("Date"), "at"),
    Column.field(_("Event"), "event"),
    Column.field(_("Action"), "action"),
    Column.field(_("Outcome"), "outcome"),
    Column(_("By"), "{by}", reads=("actor_role",)),
    reads=("id",),
)


def audit_table(entries, *, to_customer: bool) -> Table:
    """The log in its reader's words: the customer reads of "your data", staff of the customer's."""
    roles = {
        Role.CUSTOMER: gettext("Customer"),
        AuditEntry.SYSTEM: gettext("Automatic"),
    }
    return AUDIT_LIST.table(
        entries, partial(_audit_values, roles=roles, staff=gettext("Support"), to_customer=to_customer)
    )


def _audit_values(entry: AuditEntry, roles: dict, staff: str, to_customer: bool) -> dict:
    return {
        "at": format_datetime(entry.at),
        "event": entry.get_event_display(),
        "action": data_action_label(entry.action, to_customer=to_customer),
        "outcome": audit_outcome_label(entry),
        "by": roles.get(entry.actor_role, staff),
    }


def audit_outcome_label(entry: AuditEntry) -> str:
    """What became of a line's event, in words that fit it (the portals' log and the admin)."""
    # A request, a decision or an expiry is itself the event: its line only says it was recorded.
    # An intervention was either carried out, or refused for want of a grant in force.
    if entry.event != AuditEntry.Event.INTERVENTION:
        return pgettext("audit outcome", "Recorded")
    if entry.outcome == AuditEntry.Outcome.REFUSED:
        return pgettext("audit outcome", "Refused: no grant in force")
    return pgettext("audit outcome", "Carried out")
