"""Each portal list declares its columns once: its header, every row's cells and what its query reads."""

from django.utils import translation

from config.listing import Column, Listing

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
