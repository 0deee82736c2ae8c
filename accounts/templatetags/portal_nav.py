"""The portals' menus in one table: each portal's base template shows its own with `{% portal_nav %}`."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_admin
from accounts.selectors import billing_entity_for_country

register = template.Library()

MENUS = {
    "customer": [
        ("customer:tickets:dashboard", _("Dashboard")),
        ("customer:tickets:list", _("My tickets")),
        ("customer:tickets:open", _("Open a ticket")),
        ("customer:billing:invoices", _("Invoices")),
    ],
    "staff": [
        ("staff:tickets:queue", _("Inbox")),
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


# What a banned account cannot do (it may still read, and pay): not offered in its menu.
NOT_FOR_BANNED = {"customer:tickets:open"}

# An administrator works in every portal: each of their menus ends with the way to the others.
ADMIN_MENU = [
    ("staff", "staff:tickets:queue", _("Support portal")),
    ("finance", "finance:billing:invoices", _("Finance portal")),
    (None, "admin:index", _("Django admin")),
]


@register.simple_tag(takes_context=True)
def portal_nav(context, portal: str) -> str:
    user = context.get("user")
    customer = getattr(user, "customer", None)  # fetched with the user (accounts.backends): no query
    banned = customer is not None and customer.is_banned
    entries = [
        ("", reverse(name), label) for name, label in MENUS[portal] if not (banned and name in NOT_FOR_BANNED)
    ]
    if user is not None and is_admin(user):
        entries += [
            ("other-portal", reverse(name), label) for other, name, label in ADMIN_MENU if other != portal
        ]
    return format_html(
        "<ul>{}</ul>", format_html_join("", '<li class="{}"><a href="{}">{}</a></li>', entries)
    )


@register.simple_tag
def finance_contact(account) -> str:
    """The e-mail address of the finance team that bills `account` (its billing entity's), or ""."""
    entity = billing_entity_for_country(country=account.country)
    return entity.email if entity is not None else ""
