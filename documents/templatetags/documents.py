"""Template filters of the PDF documents; they format in the language the document is rendered in."""

from django import template

from documents import pdf_engine

register = template.Library()


@register.filter
def money(amount, currency="EUR"):
    return pdf_engine.format_money(amount, currency)


@register.filter
def quantity(value):
    return pdf_engine.format_quantity(value)


@register.filter
def day(value):
    return pdf_engine.format_date(value) if value else ""


@register.filter
def oneline(text):
    """A multi-line postal address on one line, for the page footer."""
    return ", ".join(line.strip() for line in str(text).splitlines() if line.strip())
