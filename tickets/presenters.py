"""The rows of the staff ticket lists, built in Python as Django's admin builds its change list rows.

A list page shows 25 rows of about twenty values each. Through the template engine every value was a
node of its own (a lookup tried as a dict key, an attribute, then a call; its filters; its escaping):
two thirds of the page's time. Here each row is one `format_html` call, which escapes every value it is
given exactly as the templates do; the row's markup is the string below.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

from accounts.templatetags.portal import pk_path
from tickets.models import Ticket
from tickets.selectors import staff_list_flags

STAFF_ROW = (
    '<tr id="ticket-{pk}">'
    '<td data-label="#">{pk}</td>'
    '<td data-label="{age_label}"><time datetime="{created_iso}" title="{created}">{age}</time></td>'
    '<td data-label="{subject_label}"><a href="{url}">{subject}</a>{fault}{flags}</td>'
    '<td data-label="{customer_label}">{customer} ({country})</td>'
    '<td data-label="{kind_label}">{kind}</td>'
    '<td data-label="{status_label}"><span class="badge">{status}</span></td>'
    '<td data-label="{assignee_label}">{assignee}</td>'
    "<td>{claim}</td>"
    "</tr>"
)


# What the rows read, and nothing else: a list page converts and builds 25 rows of these columns only,
# not the description, fees and reports of each ticket or the password hash of each assignee.
STAFF_ROW_COLUMNS = (
    "id",
    "subject",
    "kind",
    "status",
    "created_at",
    "suspected_provider_fault",
    "customer__name",
    "customer__country",
    "assignee__email",
)


def staff_rows(tickets) -> list[SafeString]:
    """One `<tr>` per ticket, for templates/staff/tickets/_rows.html (its header has the same columns);
    each shows the badge of every flag an app above tickets set on it."""
    labels = {
        "age_label": gettext("Age"),
        "subject_label": gettext("Subject"),
        "customer_label": gettext("Customer"),
        "kind_label": gettext("Kind"),
        "status_label": gettext("Status"),
        "assignee_label": gettext("Assignee"),
    }
    badges = {
        "fault": format_html(' <span class="badge">{}</span>', gettext("provider fault?")),
        "flags": [
            (flag.name, format_html(' <span class="badge banned">{}</span>', flag.label))
            for flag in staff_list_flags()
        ],
    }
    claim = gettext("Claim")
    return [_staff_row(ticket, labels, badges, claim) for ticket in tickets]


def _staff_row(ticket: Ticket, labels: dict, badges: dict, claim: str) -> SafeString:
    claimable = ticket.status == Ticket.State.OPEN and ticket.is_incident
    return format_html(
        STAFF_ROW,
        pk=ticket.pk,
        created_iso=ticket.created_at.isoformat(),
        created=date_format(timezone.localtime(ticket.created_at), "SHORT_DATETIME_FORMAT"),
        age=timesince(ticket.created_at),
        url=pk_path("staff:tickets:detail", ticket.pk),
        subject=ticket.subject,
        fault=badges["fault"] if ticket.suspected_provider_fault else "",
        # Each badge was built by format_html in staff_rows.
        flags=mark_safe(  # noqa: S308
            "".join(badge for name, badge in badges["flags"] if getattr(ticket, name, False))
        ),
        customer=ticket.customer.name,
        country=ticket.customer.country,
        kind=ticket.get_kind_display(),
        status=ticket.get_status_display(),
        assignee=ticket.assignee.email if ticket.assignee else "—",
        claim=format_html(
            '<button type="submit" form="claim-form" formaction="{}">{}</button>',
            pk_path("staff:tickets:claim", ticket.pk),
            claim,
        )
        if claimable
        else "",
        **labels,
    )
