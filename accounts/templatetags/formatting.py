"""Template filters that write amounts, rates and dates for people: `{% load formatting %}`.

Every web page, e-mail and PDF goes through these (config/formatting.py), in the active language:
`{{ invoice.gross|money:invoice.currency }}` "263,88 €", `{{ invoice.vat_rate|percent }}` "20 %",
`{{ invoice.due_on|day }}` "15/03/2026", `{{ message.created_at|moment }}` "15/03/2026 14:05".
A missing value is written as nothing. Machine attributes (`<time datetime>`) stay ISO: `|date:'c'`.
"""

from django import template

from config import formatting

register = template.Library()


@register.filter
def money(amount, currency="EUR"):
    # Every billing entity bills in euros today (accounts.BillingEntity.currency); a ticket that never had
    # a fee has no currency of its own.
    return "" if amount is None or amount == "" else formatting.format_money(amount, currency or "EUR")


@register.filter
def percent(rate):
    return "" if rate is None or rate == "" else formatting.format_percent(rate)


@register.filter
def quantity(value):
    return "" if value is None or value == "" else formatting.format_quantity(value)


@register.filter
def day(value):
    return formatting.format_date(value) if value else ""


@register.filter
def moment(value):
    return formatting.format_datetime(value) if value else ""
