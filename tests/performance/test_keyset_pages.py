"""The portals' keyset pages: every row once, in order, forwards and backwards, whatever the cursor says."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from billing.models import Invoice
from config.keyset import keyset_page
from tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("on_postgres")


@pytest.fixture
def seeded(db):
    call_command("seed_scale", scale=0.0001, stdout=io.StringIO())  # 100 tickets, 30 invoices


def walk(queryset, per_page):
    factory = RequestFactory()
    page = keyset_page(factory.get("/list/"), queryset, per_page=per_page)
    pages = [page]
    while page.has_next:
        page = keyset_page(factory.get("/list/?" + page.next_query), queryset, per_page=per_page)
        pages.append(page)
        assert len(pages) <= queryset.count() + 1, "the pages never end: a cursor points back"
    return pages


@pytest.mark.parametrize(
    ("queryset", "per_page"),
    [
        (lambda: Ticket.objects.order_by("-id"), 7),
        (lambda: Ticket.objects.filter(kind="incident").order_by("id"), 25),
        # Many invoices share a due day: the id breaks the ties, in the list's direction.
        (lambda: Invoice.objects.order_by("due_on", "id"), 4),
        (lambda: Invoice.objects.order_by("-issued_on"), 5),
        # Timestamps a few microseconds apart: the cursor keeps their full precision.
        (lambda: Ticket.objects.order_by("-created_at"), 6),
    ],
)
def test_pages_cover_every_row_once_in_order_both_ways(seeded, queryset, per_page):
    expected = list(queryset().values_list("id", flat=True))
    pages = walk(queryset(), per_page)
    assert [row.pk for page in pages for row in page] == expected
    assert all(len(page) == per_page for page in pages[:-1]) and not pages[0].has_previous
    factory = RequestFactory()
    page, seen = pages[-1], [[row.pk for row in pages[-1]]]
    while page.has_previous:
        page = keyset_page(factory.get("/list/?" + page.previous_query), queryset(), per_page=per_page)
        seen.insert(0, [row.pk for row in page])
    assert seen == [[row.pk for row in p] for p in pages]


@pytest.fixture
def close_timestamps(seeded):
    first = Ticket.objects.order_by("id").first().created_at
    for n, pk in enumerate(Ticket.objects.order_by("id").values_list("id", flat=True)[:40]):
        Ticket.objects.filter(pk=pk).update(created_at=first + timedelta(microseconds=n * 7))


def test_microseconds_apart_rows_are_neither_skipped_nor_repeated(close_timestamps):
    queryset = Ticket.objects.order_by("created_at")
    assert [row.pk for page in walk(queryset, 3) for row in page] == list(
        queryset.values_list("id", flat=True)
    )


@pytest.mark.parametrize(
    "cursor",
    ["after=nonsense", "after=W10", "before=WyJ4Il0", "after=WyJ4IiwgMV0", "after=" + "A" * 600, "page=3"],
)
def test_a_cursor_that_is_not_one_gives_the_first_page(seeded, cursor):
    queryset = Invoice.objects.order_by("due_on", "id")
    page = keyset_page(RequestFactory().get("/list/?" + cursor), queryset, per_page=5)
    assert [row.pk for row in page] == list(queryset.values_list("id", flat=True)[:5])


def test_filters_stay_in_the_links(seeded):
    page = keyset_page(
        RequestFactory().get("/list/?status=open&kind=incident"), Ticket.objects.order_by("-id"), per_page=3
    )
    assert (
        "status=open" in page.next_query
        and "kind=incident" in page.next_query
        and "after=" in page.next_query
    )
