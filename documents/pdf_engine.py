"""Sealed PDF rendering.

Every PDF of the project (invoices, credit notes, quotes, diagnosis reports) goes through
`html_to_pdf`: our own Django template, autoescaped, rendered by WeasyPrint with a URL fetcher that
serves the bundled assets of `documents/pdf_assets/` and `data:` URIs and refuses everything else
before any I/O (SEC-18; ../shared/docs/dependencies.md traps 7 and 8). Pure: data in, bytes out.
Documents write amounts, rates and dates as the web and the e-mails do, through `config.formatting`.
"""

import base64
import io
import os
import threading
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from config.metrics import PDF_RENDER_SECONDS

ASSETS_DIR = (Path(__file__).resolve().parent / "pdf_assets").resolve()
# Relative URLs in our templates and stylesheet (fonts/…, logo.svg) resolve inside the assets folder.
ASSETS_BASE_URL = ASSETS_DIR.as_uri() + "/"
STYLESHEET = "documents.css"
SRGB = "document-srgb"
IMAGE_CACHE_LIMIT = 64
_CONTENT_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".woff": "font/woff", ".png": "image/png"}


class AssetRefused(ValueError):
    """A URL the documents may not load: anything but a bundled asset or a data: URI."""


class SealedURLFetcher(URLFetcher):
    """Serves the bundled assets and data: URIs; refuses every other URL before any I/O.

    No network (http, https, ftp), no file outside `documents/pdf_assets/`, no redirects: a hostile
    `<img>`, `<link>`, `@import` or `url()` that slipped past autoescaping still loads nothing.
    """

    def __init__(self):
        # No handler of the parent (HTTP, FTP, file) is ever reached: fetch() never calls super().
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._asset(url)
        raise AssetRefused(f"refused to load {url[:80]!r}: only bundled assets and data: URIs")

    @staticmethod
    def _asset(url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query:
            raise AssetRefused(f"refused to load {url[:80]!r}: not a bundled asset")
        # First on the path as written, `..` folded: a file elsewhere is refused without touching
        # the filesystem. Then on the real path: a symlink in the folder must not lead out of it.
        written = Path(os.path.normpath(unquote(parts.path)))
        if not written.is_relative_to(ASSETS_DIR):
            raise AssetRefused(f"refused to load {url[:80]!r}: not a bundled asset")
        path = written.resolve()
        if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
            raise AssetRefused(f"refused to load {url[:80]!r}: not a bundled asset")
        content_type = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        header, _, payload = url[len("data:") :].partition(",")
        media_type, *params = header.split(";")
        if params and params[-1].lower() == "base64":
            body = base64.b64decode(unquote_to_bytes(payload), validate=False)
        else:
            body = unquote_to_bytes(payload)
        return URLFetcherResponse("data:", body, headers={"Content-Type": media_type or "text/plain"})


class _Renderer:
    """One font configuration and parsed stylesheet, reused by every render of a thread.

    FontConfiguration keeps the decoded @font-face files, so only the first render of a worker
    pays for loading fonts. Per thread, because WeasyPrint's objects are not meant to be shared.
    """

    def __init__(self) -> None:
        self.fetcher = SealedURLFetcher()
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            url=ASSETS_BASE_URL + STYLESHEET, url_fetcher=self.fetcher, font_config=self.font_config
        )
        self.image_cache: dict = {}
        # PDF/A needs an output intent. WeasyPrint's own ("srgb") opens its ICC file at every render
        # and never closes it; the same profile, read once here, gives the same output intent.
        icc = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
        self.srgb = ColorProfile(
            io.BytesIO(icc), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
        )


_local = threading.local()


def _renderer() -> _Renderer:
    # Built on first use, not at import: the web process and the tests import this module everywhere.
    if not hasattr(_local, "renderer"):
        _local.renderer = _Renderer()
    return _local.renderer


def html_to_pdf(*, template: str, context: Mapping, language: str, pdf_variant: str | None = None) -> bytes:
    """Render one of our templates in `language` to PDF bytes, through the sealed fetcher only."""
    with PDF_RENDER_SECONDS.time(template=template):
        with translation.override(language):
            html = render_to_string(template, {**context, "language": language})
        renderer = _renderer()
        # The image cache keeps the logo between renders, but every invoice adds its own QR code to it:
        # emptied now and then, so a worker that renders for months does not grow without bound.
        if len(renderer.image_cache) > IMAGE_CACHE_LIMIT:
            renderer.image_cache.clear()
        document = HTML(string=html, base_url=ASSETS_BASE_URL, url_fetcher=renderer.fetcher)
        intent = {"color_profiles": {SRGB: renderer.srgb}, "output_intent": SRGB} if pdf_variant else {}
        return document.write_pdf(
            stylesheets=[renderer.stylesheet],
            font_config=renderer.font_config,
            pdf_variant=pdf_variant,
            cache=renderer.image_cache,
            **intent,
        )
