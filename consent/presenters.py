"""A ticket's access log on the consent pages of both portals, declared once as its columns
(config/listing.py)."""

from functools import partial

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from config.formatting import format_datetime
from config.listing import Column, Listing, Table
from consent.models import AuditEntry

AUDIT_LIST = Listing(
    Column.field(_("Date"), "at"),
    Column.field(_("Event"), "event"),
    Column.field(_("Action"), "action"),
    Column.field(_("Outcome"), "outcome"),
    Column(_("By"), "{by}", reads=("actor_role",)),
    reads=("id",),
)


def audit_table(entries) -> Table:
    roles = {
        Role.CUSTOMER: gettext("Customer"),
        AuditEntry.SYSTEM: gettext("Automatic"),
    }
    return AUDIT_LIST.table(entries, partial(_audit_values, roles=roles, staff=gettext("Support")))


def _audit_values(entry: AuditEntry, roles: dict, staff: str) -> dict:
    return {
        "at": format_datetime(entry.at),
        "event": entry.get_event_display(),
        "action": entry.get_action_display(),
        "outcome": entry.get_outcome_display(),
        "by": roles.get(entry.actor_role, staff),
    }
