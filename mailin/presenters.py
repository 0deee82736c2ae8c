"""The staff's list of received e-mail (templates/staff/mailin/inbound.html): one row per message."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.templatetags.portal import pk_path
from config.formatting import format_datetime
from config.listing import Column, Listing, Table
from mailin.models import InboundEmail

INBOUND_LIST = Listing(
    Column("#", "{ticket}", reads=("ticket_id",)),  # the ticket it reached, as the staff's lists number them
    Column(_("Received"), "{received_at}", reads=("received_at",)),
    Column(_("From"), "{sender}", reads=("sender",)),
    Column(_("Subject"), "{subject}", reads=("subject",)),
    Column(
        _("Outcome"),
        '<span class="badge outcome-{outcome}">{outcome_label}</span> {reason}',
        reads=("outcome", "reason", "detail"),
    ),
    reads=("id",),
)


def inbound_table(records) -> Table:
    return INBOUND_LIST.table(records, _values)


def _values(record: InboundEmail) -> dict:
    reason = record.get_reason_display() if record.reason else ""
    return {
        "received_at": format_datetime(record.received_at),
        "sender": record.sender or "—",
        "subject": record.subject or "—",
        "outcome": record.outcome,
        "outcome_label": record.get_outcome_display(),
        "reason": " · ".join(part for part in (reason, record.detail) if part),
        "ticket": _ticket_link(record.ticket_id),
    }


def _ticket_link(ticket_id: int | None):
    if ticket_id is None:
        return "—"
    return format_html('<a href="{}">{}</a>', pk_path("staff:tickets:detail", ticket_id), ticket_id)
