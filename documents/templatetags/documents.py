"""Template filters of the PDF documents; they format in the language the document is rendered in.

Amounts, quantities and dates are the portals' own filters (accounts/templatetags/formatting.py)."""

from django import template

from accounts.templatetags.formatting import day, money, quantity

register = template.Library()
register.filter("money", money)
register.filter("quantity", quantity)
register.filter("day", day)


@register.filter
def oneline(text):
    """A multi-line postal address on one line, for the page footer."""
    return ", ".join(line.strip() for line in str(text).splitlines() if line.strip())
