"""The sealed renderer (SEC-18): every PDF goes through a URL fetcher that serves the bundled assets and
data: URIs and refuses everything else, so even markup that escaped the templates loads nothing."""

import pytest
from weasyprint import HTML

from documents.pdf_engine import ASSETS_BASE_URL, ASSETS_DIR, AssetRefused, SealedURLFetcher
from tests.pdf_helpers import CanaryServer, decoded_streams, hostile, passwd_line


@pytest.fixture
def canary():
    with CanaryServer() as server:
        yield server


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
        ASSETS_BASE_URL + "fonts/../../pdf_engine.py",
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


def test_fetcher_refuses_a_symlink_in_the_assets_that_leads_out_of_them(tmp_path, monkeypatch):
    from documents import pdf_engine

    (tmp_path / "logo.svg").write_text("<svg/>")
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    monkeypatch.setattr(pdf_engine, "ASSETS_DIR", tmp_path)

    assert SealedURLFetcher().fetch((tmp_path / "logo.svg").as_uri()).read() == b"<svg/>"
    with pytest.raises(AssetRefused):
        SealedURLFetcher().fetch((tmp_path / "escape.css").as_uri())
