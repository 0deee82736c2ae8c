"""Template tags of the portals' list pages, where a tag runs once per row."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_MARKER = 987654321987654321  # an id no table reaches: it stands for the row's id in the reversed path


@lru_cache(maxsize=256)
def _split_path(viewname: str, script_prefix: str, urlconf) -> tuple[str, str]:
    path = reverse(viewname, args=[_MARKER], urlconf=urlconf)
    head, marker, tail = path.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:
        raise ValueError(f"{viewname} does not take exactly one id")
    return head, tail


def pk_path(viewname: str, pk) -> str:
    """`reverse(viewname, args=[pk])` for a view that takes one integer id, reversed once per view.

    `{% url %}` resolves the pattern again on every call, twice a row on a list page; the path of a
    row only differs by its id.
    """
    head, tail = _split_path(viewname, get_script_prefix(), get_urlconf())
    return f"{head}{int(pk)}{tail}"


@register.simple_tag
def pk_url(viewname: str, pk) -> str:
    """`{% pk_url 'staff:tickets:detail' ticket.pk %}`: what `{% url 'staff:tickets:detail' ticket.pk %}` gives."""
    return pk_path(viewname, pk)
