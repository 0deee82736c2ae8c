"""The portals' menus in one table: each portal's base template shows its own with `{% portal_nav %}`."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

register = template.Library()

MENUS = {
    "customer": [
        ("customer:tickets:dashboard", _("Dashboard")),
        ("customer:tickets:list", _("My tickets")),
        ("customer:tickets:open", _("Open a ticket")),
        ("customer:billing:invoices", _("Invoices")),
    ],
    "staff": [
        ("staff:tickets:queue", _("Diagnosis queue")),
        ("staff:tickets:mine", _("My tickets")),
        ("staff:tickets:all", _("All tickets")),
    ],
    "finance": [
        ("finance:billing:invoices", _("Open invoices")),
        ("finance:billing:closed", _("Refused and lapsed")),
        ("finance:billing:banned", _("Accounts without support")),
        ("finance:billing:refunds", _("Refunds owed")),
        ("finance:reporting:receivables", _("Receivables")),
    ],
}


@register.simple_tag
def portal_nav(portal: str) -> str:
    links = format_html_join(
        "", '<li><a href="{}">{}</a></li>', ((reverse(n), label) for n, label in MENUS[portal])
    )
    return format_html("<ul>{}</ul>", links)
