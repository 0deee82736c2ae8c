"""Read generated PDFs back the way a person, an accounting system and an attacker would."""

import io
import re
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject


def pdf_text(content: bytes) -> str:
    """Every page's text, with the typographic spaces of French and German numbers made plain."""
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", text)


def pdf_one_line(content: bytes) -> str:
    """The text with line breaks folded, for sentences the layout may wrap."""
    return re.sub(r"\s+", " ", pdf_text(content))


def assert_says(content: bytes, phrases: Iterable[str], *, never: Iterable[str] = ()) -> None:
    """The PDF's text (line breaks folded) holds every phrase and none of `never`; a failure lists them all."""
    text = pdf_one_line(content)
    missing = [phrase for phrase in phrases if phrase not in text]
    unwanted = [phrase for phrase in never if phrase in text]
    assert not missing and not unwanted, f"missing: {missing}, present but must not be: {unwanted}"


def page_count(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def attachments(content: bytes) -> dict[str, list[bytes]]:
    return PdfReader(io.BytesIO(content)).attachments


def walk_objects(content: bytes):
    """Every dictionary and stream reachable from the trailer, each once (object streams included)."""
    reader = PdfReader(io.BytesIO(content))
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # StreamObject is one too
            yield node
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def decoded_streams(content: bytes) -> list[bytes]:
    """The decompressed data of every stream: fonts, images, page contents, attachments."""
    streams = []
    for node in walk_objects(content):
        if isinstance(node, StreamObject):
            try:
                streams.append(node.get_data())
            except Exception:  # noqa: BLE001 - an image filter pypdf cannot decode still holds no text
                streams.append(node._data or b"")
    return streams


def names_used(content: bytes) -> set[str]:
    """Every key and name value of every dictionary (/JavaScript, /Launch, /EmbeddedFile...)."""
    names: set[str] = set()
    for node in walk_objects(content):
        for key, value in node.items():
            names.add(str(key))
            if isinstance(value, str) and value.startswith("/"):
                names.add(str(value))
    return names


class CanaryServer:
    """A local HTTP server that counts every request: a sealed renderer must never reach it."""

    def __init__(self):
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                canary.requests.append(self.path)
                body = b"@import url(/second.css); body { background: url(/third.png) }"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def hostile(url: str, *, short: bool = False) -> str:
    """Markup that would make an unsealed renderer fetch `url` or read local files, if it were markup."""
    if short:  # fits the 200 characters of a name
        return f'<img src="{url}/n"><link rel=attachment href="file:///etc/passwd">'
    return (
        f'<img src="{url}/img"><link rel=stylesheet href="{url}/css">'
        f'<link rel=attachment href="file:///etc/passwd"><style>@import url({url}/import);</style>'
        f'<p style="background:url({url}/bg)">x</p><svg><image href="{url}/svg"/></svg>'
        f'<iframe src="file:///etc/passwd"></iframe><object data="{url}/obj"></object>'
        f'<script>alert(1)</script><a href="javascript:alert(1)">x</a> file:///etc/passwd'
    )


def passwd_line() -> str:
    with open("/etc/passwd") as passwd:
        return passwd.readline().strip()


def assert_sealed(content: bytes, canary: CanaryServer, *, attachments_allowed: list[str]) -> None:
    """Nothing fetched, no local file read, no attachment but ours, no script or launch action."""
    assert canary.requests == []
    secret = passwd_line().encode()
    assert not any(secret in stream for stream in decoded_streams(content))
    assert secret.decode() not in pdf_text(content)
    assert list(attachments(content)) == attachments_allowed
    assert not {"/JavaScript", "/JS", "/Launch", "/URI", "/OpenAction", "/AA", "/SubmitForm"} & names_used(
        content
    )
    # Escaped, not dropped: the customer sees what was typed.
    assert "<img src=" in pdf_one_line(content)
