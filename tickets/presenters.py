"""The ticket lists of the portals, each declared once as its columns (config/listing.py)."""

from datetime import datetime, timedelta
from functools import partial

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.templatetags.portal import pk_path
from config.formatting import format_date, format_datetime
from config.listing import Column, Listing, Table
from config.status_column import STATUS, status_values
from tickets import sla
from tickets.models import Ticket
from tickets.selectors import staff_counters, staff_list_flags

# What a ticket's response timer reads (tickets/sla.py).
SLA_READS = (
    "first_response_due_at",
    "first_responded_at",
    "diagnosis_due_at",
    "diagnosis_started_at",
    "ended_at",
)
# Less than this left: the timer turns amber.
SLA_SOON = timedelta(hours=1)


def duration_text(duration: timedelta) -> str:
    """A wall-clock duration to the minute, the largest two units: "2 d 3 h", "2 h 10 min", "35 min"."""
    minutes = max(int(duration.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)s min") % {"minutes": minutes}


def sla_timer(ticket: Ticket, *, now: datetime) -> SafeString:
    """The ticket's response timer as a badge whose words say what its colour does: the time left to its next
    target ("2 h 10 min left"), "late by 35 min" once past it; with nothing pending, whether a target was
    missed. The due time is in the title."""
    status = sla.sla_status(ticket, now=now)
    due = status.due_at
    if due is None:
        if status.breached:
            return format_html('<span class="badge sla-late">{}</span>', gettext("Target missed"))
        return format_html('<span class="muted">{}</span>', "—")
    left = due - now
    if left < timedelta(0):
        text, css = gettext("late by %(time)s") % {"time": duration_text(-left)}, "sla-late"
    else:
        text = gettext("%(time)s left") % {"time": duration_text(left)}
        css = "sla-soon" if left < SLA_SOON else "sla-ok"
    what = (
        gettext("First response") if status.pending is status.first_response else gettext("Diagnosis start")
    )
    return format_html(
        '<time class="badge {}" datetime="{}" title="{}: {}">{}</time>',
        css,
        due.isoformat(),
        what,
        format_datetime(timezone.localtime(due)),
        text,
    )


def sla_targets(ticket: Ticket, *, now: datetime) -> list[dict]:
    """The staff ticket page's response targets: each one's due time, when it was met, and a badge."""
    status = sla.sla_status(ticket, now=now)
    rows = []
    for label, target in (
        (gettext("First response"), status.first_response),
        (gettext("Diagnosis start"), status.diagnosis_start),
    ):
        if target.due_at is None:
            continue
        if target.pending:
            badge = sla_timer(ticket, now=now) if status.pending is target else format_html("{}", "")
        elif target.breached(now):
            badge = format_html('<span class="badge sla-late">{}</span>', gettext("Late"))
        elif target.met_at is not None:
            badge = format_html('<span class="badge sla-ok">{}</span>', gettext("On time"))
        else:
            badge = format_html("{}", "")
        rows.append({"label": label, "due_at": target.due_at, "met_at": target.met_at, "badge": badge})
    return rows


# The queue, "my tickets" and "all tickets" (templates/staff/tickets/_rows.html).
STAFF_LIST = Listing(
    Column("#", "{pk}"),
    Column(_("Age"), '<time datetime="{created_iso}" title="{created}">{age}</time>', reads=("created_at",)),
    Column(
        _("Subject"),
        '<a href="{url}">{subject}</a>{fault}{flags}',
        reads=("subject", "suspected_provider_fault"),
    ),
    Column(_("Customer"), "{customer} ({country})", reads=("customer__name", "customer__country")),
    Column.field(_("Kind"), "kind"),
    STATUS,
    Column(_("Time left"), "{sla}", reads=SLA_READS),
    Column(_("Assignee"), "{assignee}", reads=("assignee__email",)),
    Column("", "{claim}", reads=("status", "assignee_id")),
    row='<tr id="ticket-{pk}">',
    reads=("id",),
)


def staff_table(tickets) -> Table:
    """The rows of a staff list; each shows the badge of every flag an app above tickets set on it."""
    texts = {
        "fault": format_html(' <span class="badge">{}</span>', gettext("provider fault?")),
        "flags": [
            (flag.name, format_html(' <span class="badge banned">{}</span>', flag.label))
            for flag in staff_list_flags()
        ],
        "claim": gettext("Claim"),
    }
    return STAFF_LIST.table(tickets, partial(_staff_values, texts=texts, now=timezone.now()))


def _staff_values(ticket: Ticket, texts: dict, now: datetime) -> dict:
    claimable = ticket.status == Ticket.State.OPEN and ticket.assignee_id is None
    return {
        "pk": ticket.pk,
        "created_iso": ticket.created_at.isoformat(),
        "created": format_datetime(ticket.created_at),
        "age": timesince(ticket.created_at),
        "url": pk_path("staff:tickets:detail", ticket.pk),
        "subject": ticket.subject,
        "fault": texts["fault"] if ticket.suspected_provider_fault else "",
        # Each badge was built by format_html in staff_table.
        "flags": mark_safe(  # noqa: S308
            "".join(badge for name, badge in texts["flags"] if getattr(ticket, name, False))
        ),
        "customer": ticket.customer.name,
        "country": ticket.customer.country,
        "kind": ticket.get_kind_display(),
        **status_values(ticket),
        "sla": sla_timer(ticket, now=now),
        "assignee": ticket.assignee.email if ticket.assignee else "—",
        "claim": format_html(
            '<button type="submit" form="claim-form" formaction="{}">{}</button>',
            pk_path("staff:tickets:claim", ticket.pk),
            texts["claim"],
        )
        if claimable
        else "",
    }


# The customer's tickets (templates/customer/tickets/list.html).
CUSTOMER_LIST = Listing(
    Column("#", "{pk}"),
    Column(_("Subject"), '<a href="{url}">{subject}</a>', reads=("subject",)),
    Column.field(_("Kind"), "kind"),
    Column(_("Status"), '<span class="badge">{status}</span>', reads=("status",)),
    Column(_("Opened"), "{opened}", reads=("created_at",)),
    reads=("id",),
)


def customer_table(tickets) -> Table:
    return CUSTOMER_LIST.table(tickets, _customer_values)


def _customer_values(ticket: Ticket) -> dict:
    return {
        "pk": ticket.pk,
        "url": pk_path("customer:tickets:detail", ticket.pk),
        "subject": ticket.subject,
        "kind": ticket.get_kind_display(),
        "status": ticket.get_status_display(),
        "opened": format_date(ticket.created_at),
    }


def staff_menu_counts(user) -> dict[str, tuple]:
    """The counts beside the staff menu's "Inbox" and "My tickets" (accounts.templatetags.portal_nav),
    with what they count in words for the links' accessible names."""
    counts = staff_counters(user=user)
    inbox, mine = counts["inbox"], counts["mine_waiting"]
    return {
        "staff:tickets:queue": (
            inbox,
            ngettext("%(count)s ticket waiting for support", "%(count)s tickets waiting for support", inbox)
            % {"count": inbox},
        ),
        "staff:tickets:mine": (
            mine,
            ngettext("%(count)s ticket waiting for you", "%(count)s tickets waiting for you", mine)
            % {"count": mine},
            "waiting=on",  # the link lists what the number counts (tickets.forms.QueueFilterForm.waiting)
        ),
    }
