"""The portals' menus in one table: each portal's base template shows its own with `{% portal_nav %}`."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_admin
from accounts.selectors import billing_entity_for_country

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
        ("staff:mailin:inbound", _("E-mail received")),
        ("staff:outages:list", _("Provider incidents")),
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


# A count beside a menu entry, from the app that knows it: {url name: (count, what it counts in words)} or
# (count, words, query string) when the entry's link should list just what is counted, for
# one user. Registered per portal with `menu_counts`, in the app's AppConfig.ready(), so accounts imports
# nothing of it; called at most once per request (all of a portal's counts should come from one query).
MenuCount = tuple[int, "StrOrPromise"] | tuple[int, "StrOrPromise", str]
MenuCounts = Callable[[Any], dict[str, MenuCount]]
_MENU_COUNTS: dict[str, MenuCounts] = {}


def menu_counts(portal: str, counts: MenuCounts) -> None:
    if portal in _MENU_COUNTS:
        raise ValueError(f"the {portal} menu already has its counts")
    _MENU_COUNTS[portal] = counts


def _counts(context, portal: str) -> dict[str, MenuCount]:
    counts, request, user = _MENU_COUNTS.get(portal), context.get("request"), context.get("user")
    if counts is None or request is None or user is None or not user.is_authenticated:
        return {}
    cached = request.__dict__.setdefault("_menu_counts", {})  # once per request, however often shown
    if portal not in cached:
        cached[portal] = counts(user)
    return cached[portal]


@register.simple_tag(takes_context=True)
def portal_nav(context, portal: str) -> str:
    user = context.get("user")
    customer = getattr(user, "customer", None)  # fetched with the user (accounts.backends): no query
    banned = customer is not None and customer.is_banned
    counts = _counts(context, portal)
    items = [
        _item("", reverse(name), label, counts.get(name))
        for name, label in MENUS[portal]
        if not (banned and name in NOT_FOR_BANNED)
    ]
    if user is not None and is_admin(user):
        items += [
            _item("other-portal", reverse(name), label, None)
            for other, name, label in ADMIN_MENU
            if other != portal
        ]
    return format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))


def _item(css_class: str, url: str, label, count: MenuCount | None) -> str:
    if count is None:
        return format_html('<li class="{}"><a href="{}">{}</a></li>', css_class, url, label)
    number, words, *query = count
    if query and number:
        url = f"{url}?{query[0]}"
    # The count is text, and the link's name says what it counts: never a colour alone.
    return format_html(
        '<li class="{}"><a href="{}" aria-label="{}">{} <span class="count">{}</span></a></li>',
        css_class,
        url,
        f"{label}: {words}",
        label,
        number,
    )


@register.simple_tag
def finance_contact(account) -> str:
    """The e-mail address of the finance team that bills `account` (its billing entity's), or ""."""
    entity = billing_entity_for_country(country=account.country)
    return entity.email if entity is not None else ""
