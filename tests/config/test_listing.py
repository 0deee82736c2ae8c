"""Each portal list declares its columns once: its header, every row's cells and what its query reads."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from billing.services import ban_apply, invoice_pay, invoice_refuse
from config.listing import Column, Listing
from tests.billing.test_views_customer import billed
from tests.consent.drive import ask
from tests.credits.conftest import grant, open_claim
from tests.factories import ServiceFactory
from tests.portals import browser
from tests.workflow import open_incident, start

LISTING = Listing(
    Column("#", "{pk}", reads=("id",)),
    Column("Name {x}", '<a href="{url}">{name}</a>', reads=("name", "id")),
    Column("", "{action}"),
    Column("Total & VAT", "{total}", reads=("total",), css="num"),
    row='<tr id="row-{pk}">',
    reads=("id", "slug"),
)


def test_the_header_and_the_cells_come_from_the_columns():
    table = LISTING.table(
        [1], lambda n: {"pk": n, "url": "/x?a=1&b=2", "name": "<b>", "action": "", "total": 3}
    )
    assert table.head == '<tr><th>#</th><th>Name {x}</th><th></th><th class="num">Total &amp; VAT</th></tr>'
    assert table.rows == [
        '<tr id="row-1"><td data-label="#">1</td>'
        '<td data-label="Name {x}"><a href="/x?a=1&amp;b=2">&lt;b&gt;</a></td>'
        "<td></td>"
        '<td class="num" data-label="Total &amp; VAT">3</td></tr>'
    ]
    assert table.width == 4 and table.body == table.rows[0]


def test_a_list_reads_what_its_row_and_its_cells_show_each_once():
    assert LISTING.reads == ("id", "slug", "name", "total")


def test_the_labels_are_translated_once_per_language():
    listing = Listing(Column(translation.gettext_lazy("Subject"), "{s}"))
    with translation.override("de"):
        german = listing.table(["x"], lambda s: {"s": s})
    with translation.override("fr"):
        french = listing.table(["x"], lambda s: {"s": s})
    assert german.head == "<tr><th>Betreff</th></tr>" and 'data-label="Betreff"' in german.rows[0]
    assert french.head == "<tr><th>Objet</th></tr>" and 'data-label="Objet"' in french.rows[0]


class Tables(HTMLParser):
    """Each table of a page: its header's labels, and for each row the data-label of each cell."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._in = None
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag in ("thead", "tbody"):
            self._in = tag
        elif tag == "th":
            self.tables[-1]["head"].append("")
            self._in_th = True
        elif tag == "tr" and self._in == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag == "td" and self._in == "tbody":
            self.tables[-1]["rows"][-1].append(dict(attrs).get("data-label"))

    def handle_endtag(self, tag):
        if tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_th:
            self.tables[-1]["head"][-1] += data


def tables_of(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_list_has_a_cell_under_each_header_labelled_as_it(
    customer, other_customer, agent, finance, language
):
    open_incident(other_customer)  # a queue row: the customer's open tickets are cancelled by the ban
    ticket = open_incident(customer)
    start(agent, ticket["id"])
    ask(agent, ticket["id"])
    billed(customer, agent)
    refused = billed(customer, agent)
    # An SLA credit granted before the ban: a row of the receivables' SLA credits.
    grant(
        agent,
        open_claim(
            customer, ServiceFactory(customer=customer.customer, has_sla=True, monthly_price=Decimal("50.00"))
        )["id"],
    )
    # Partly paid: its refusal owes a refund, a row of the refunds page and of the receivables.
    invoice_pay(invoice=refused, amount=Decimal("1.00"), received_on=timezone.localdate(), by=finance)
    invoice_refuse(invoice=refused, reason="Nothing was fixed", by=customer)
    ban_apply(ban=refused.ban_events.get())
    pages = [
        (agent, reverse("staff:tickets:queue"), 1),
        (agent, reverse("staff:tickets:mine"), 1),
        (agent, reverse("staff:tickets:all"), 1),
        (customer, reverse("customer:tickets:list"), 1),
        (customer, reverse("customer:billing:invoices"), 1),
        (customer, reverse("customer:consent:access", args=[ticket["id"]]), 1),
        (agent, reverse("staff:consent:access", args=[ticket["id"]]), 1),
        (finance, reverse("finance:billing:invoices") + "?status=", 1),
        (finance, reverse("finance:billing:closed"), 1),
        (finance, reverse("finance:billing:banned"), 1),
        (finance, reverse("finance:billing:history", args=[customer.customer_id]), 1),
        (finance, reverse("finance:billing:refunds"), 1),
        # With the SLA credits and the response SLA report.
        (finance, reverse("finance:reporting:receivables"), 6),
    ]
    with translation.override(language):
        for user, url, count in pages:
            client = browser(user)
            client.cookies["django_language"] = language
            tables = tables_of(client, url)
            assert len(tables) == count, url
            for table in tables:
                labels = [label or None for label in table["head"]]
                assert table["rows"], url
                for row in table["rows"]:
                    assert row == labels, url
