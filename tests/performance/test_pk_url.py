"""`{% pk_url %}` gives what `{% url %}` gives, for every one-id view of the portals' lists."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.templatetags.portal import pk_path

VIEWS = ["staff:tickets:detail", "staff:tickets:claim", "customer:tickets:detail", "finance:billing:invoice"]


@pytest.mark.parametrize("viewname", VIEWS)
@pytest.mark.parametrize("pk", [1, 42, 10**12])
def test_the_same_path_as_reverse(viewname, pk):
    assert pk_path(viewname, pk) == reverse(viewname, args=[pk])


def test_the_tag_escapes_nothing_it_needs_not_and_matches_url():
    html = Template(
        "{% load portal %}{% pk_url 'staff:tickets:detail' ticket.pk %}|{% url 'staff:tickets:detail' ticket.pk %}"
    )
    mine, django = html.render(Context({"ticket": {"pk": 7}})).split("|")
    assert mine == django


def test_an_id_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError):
        pk_path("staff:tickets:detail", "7/../../admin")


def test_a_view_without_an_id_is_refused():
    with pytest.raises(Exception):  # noqa: B017, PT011 - reverse's NoReverseMatch or our ValueError
        pk_path("staff:tickets:queue", 1)
