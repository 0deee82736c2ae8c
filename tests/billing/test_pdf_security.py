"""Sealed rendering (SEC-18, SEC-19): hostile content in every text field of an invoice and a credit
note reaches no server, reads no local file, and embeds nothing but our Factur-X XML."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from weasyprint import HTML

from accounts.models import BillingEntity
from billing import documents
from billing.models import CreditNote, DocumentCounter
from billing.pdf_engine import ASSETS_BASE_URL, ASSETS_DIR, AssetRefused, SealedURLFetcher
from billing.services import LineSpec, document_number_draw, invoice_issue
from tests.factories import CustomerFactory
from tests.pdf_helpers import CanaryServer, assert_sealed, decoded_streams, hostile, passwd_line, pdf_text


@pytest.fixture
def canary():
    with CanaryServer() as server:
        yield server


def hostile_invoice(canary, country: str):
    entity = BillingEntity.objects.get(country=country)
    entity.legal_name = hostile(canary.url, short=True)
    entity.address = hostile(canary.url) + "\n75001 Paris"
    entity.registration = hostile(canary.url, short=True)
    entity.save()
    customer = CustomerFactory(
        country=country,
        name=hostile(canary.url, short=True),
        billing_address=hostile(canary.url),
        vat_id='<b x="&">\'"</b>',
    )
    return invoice_issue(
        customer=customer,
        service_date=date(2026, 3, 2),
        lines=[
            LineSpec(description=hostile(canary.url), quantity=Decimal("1"), unit_price=Decimal("20.00")),
            LineSpec(
                description="</td></tr></table><h1>Injected</h1>",
                quantity=Decimal("2"),
                unit_price=Decimal("5.00"),
            ),
        ],
    )


@pytest.mark.parametrize("country", ["FR", "DE"])
def test_hostile_invoice_and_credit_note_fetch_nothing_and_embed_only_our_xml(canary, country, db):
    invoice = hostile_invoice(canary, country)
    number = document_number_draw(entity=invoice.entity, series=DocumentCounter.Series.CREDIT_NOTE, year=2026)
    credit_note = CreditNote.objects.create(
        invoice=invoice,
        entity=invoice.entity,
        number=number,
        issued_on=date(2026, 3, 9),
        reason="refused",
        net=invoice.net,
        vat=invoice.vat,
        gross=invoice.gross,
        currency=invoice.currency,
    )

    for stored in (
        documents.invoice_pdf_stored(invoice_id=invoice.pk),
        documents.credit_note_pdf_stored(credit_note_id=credit_note.pk),
    ):
        content = bytes(stored.content)
        assert_sealed(content, canary, attachments_allowed=["factur-x.xml"])
        assert "</td></tr></table><h1>Injected</h1>" in pdf_text(content).replace("\n", "")


# The fetcher is the last line: even markup that escaped the templates loads nothing.


def test_raw_hostile_markup_rendered_through_the_sealed_fetcher_loads_nothing(canary):
    markup = f"""<html><head><link rel=stylesheet href="{canary.url}/head.css">
    <link rel=attachment href="file:///etc/passwd"><link rel=attachment href="{canary.url}/a.bin">
    <style>@import url({canary.url}/i.css); @import url(file:///etc/passwd);
    @font-face {{ font-family: x; src: url({canary.url}/f.woff) }}
    body {{ background: url({canary.url}/bg.png); font-family: x }}</style></head>
    <body>{hostile(canary.url)}<img src="file:///etc/passwd"><img src="fonts/../../../../../../etc/passwd">
    <embed src="{canary.url}/e"><video src="{canary.url}/v"></video></body></html>"""

    content = HTML(string=markup, base_url=ASSETS_BASE_URL, url_fetcher=SealedURLFetcher()).write_pdf()

    assert canary.requests == []
    assert not any(passwd_line().encode() in stream for stream in decoded_streams(content))


def test_unsealed_rendering_would_have_reached_the_canary(canary):
    # The control experiment: WeasyPrint's default fetcher does fetch, so the test above can fail.
    HTML(string=f'<img src="{canary.url}/control">').write_pdf()

    assert canary.requests == ["/control"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://example.com/x.css",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        ASSETS_BASE_URL + "../../config/settings.py",
        ASSETS_BASE_URL + "fonts/../../documents.py",
        "file://remote-host" + str(ASSETS_DIR / "logo.svg"),
        ASSETS_BASE_URL + "logo.svg?x=1",
        ASSETS_BASE_URL + "missing.css",
        "javascript:alert(1)",
        "relative/path.css",
    ],
)
def test_fetcher_refuses_everything_but_bundled_assets(url):
    with pytest.raises(AssetRefused):
        SealedURLFetcher().fetch(url)


def test_fetcher_serves_bundled_assets_and_data_uris():
    fetcher = SealedURLFetcher()

    logo = fetcher.fetch(ASSETS_BASE_URL + "logo.svg")
    font = fetcher.fetch(ASSETS_BASE_URL + "fonts/inter-latin-400-normal.woff")
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")

    assert logo.read() == (ASSETS_DIR / "logo.svg").read_bytes()
    assert logo.content_type == "image/svg+xml"
    assert font.read()[:4] == b"wOFF"
    assert data.read() == b"hello"


def test_a_long_running_renderer_does_not_keep_every_documents_images(db):
    from billing import pdf_engine
    from billing.pdf import billing_document_pdf

    invoice = invoice_issue(
        customer=CustomerFactory(),
        service_date=date(2026, 3, 2),
        lines=[LineSpec(description="Diagnostic", quantity=Decimal("1"), unit_price=Decimal("20.00"))],
    )
    document = documents.invoice_document(invoice)
    for number in range(40):  # each number makes another QR code
        billing_document_pdf(replace(document, number=f"FR-2026-{number:06d}"))

    assert len(pdf_engine._renderer().image_cache) <= pdf_engine.IMAGE_CACHE_LIMIT + 4


def test_fetcher_refuses_a_symlink_in_the_assets_that_leads_out_of_them(tmp_path, monkeypatch):
    from billing import pdf_engine

    (tmp_path / "logo.svg").write_text("<svg/>")
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    monkeypatch.setattr(pdf_engine, "ASSETS_DIR", tmp_path)

    assert SealedURLFetcher().fetch((tmp_path / "logo.svg").as_uri()).read() == b"<svg/>"
    with pytest.raises(AssetRefused):
        SealedURLFetcher().fetch((tmp_path / "escape.css").as_uri())
