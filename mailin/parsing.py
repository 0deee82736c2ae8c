"""Reading a received e-mail: who sent it, to which of our addresses, whether a robot did, what the person
wrote (quoted history and signature stripped, HTML turned into plain text) and the files sent with it.

Pure: bytes in, a `ParsedEmail` out, no database. Everything in a message is the sender's to forge, so
nothing here is trusted beyond what it is: the From address is checked against the users by the service,
the reply address against its signature (tickets.replies). Malformed input never raises: what cannot be
read is left out (a message with no readable sender is refused by the service).
"""

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser

# What is kept of a message's text (the portals' own limit on a message, tickets.forms.TEXT_MAX).
TEXT_MAX = 20_000
# Parts read in one message, files kept from it: a message of ten thousand parts is not walked to its end.
PARTS_MAX = 200
FILES_MAX = 10
# A text part larger than this is not decoded (a huge "body" is somebody's log file or an attack).
TEXT_PART_MAX_BYTES = 2 * 1024 * 1024
SUBJECT_MAX = 200

# Headers by which a message says a robot sent it (RFC 3834 Auto-Submitted, the older Precedence,
# Microsoft's X-Auto-Response-Suppress, list headers); answered, such mail makes loops.
_AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)
# The mark the desk puts on its own automatic answers (X-Loop): seen coming back, it is a loop.
LOOP_MARK = "incident-desk"


@dataclass(frozen=True)
class ParsedFile:
    name: str
    content: bytes


@dataclass
class ParsedEmail:
    message_id: str
    sender: str  # the one From address, lower-case; "" if none or several
    subject: str
    recipients: list[str]  # every address it was sent to, as the headers and the envelope say
    body: str  # what the person wrote: quoted history and signature stripped, plain text
    files: list[ParsedFile] = field(default_factory=list)
    files_left_out: list[str] = field(default_factory=list)  # names, with why
    automated: bool = False
    loop: bool = False
    size: int = 0


def message_id_of(raw: bytes, header: str | None) -> str:
    """The dedup key: the Message-ID as sent, or (none, or longer than a column) a hash that is the same
    for the same bytes, so a message piped twice is still recognised."""
    value = (header or "").strip()
    if value and len(value) <= 255 and "\x00" not in value:
        return value
    return "sha256:" + hashlib.sha256(value.encode() if value else raw).hexdigest()


def parse_email(raw: bytes, *, envelope_recipients: tuple[str, ...] = ()) -> ParsedEmail:
    """Read `raw` (RFC 5322 bytes); never raises on malformed input."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # noqa: S101 - what policy.default builds
    except RecursionError:  # parts nested thousands deep: its headers alone, no text, no file
        return parse_headers(raw, size=len(raw))
    message_id = message_id_of(raw, _header(message, "Message-ID"))
    senders = _addresses(message, "From")
    sender = senders[0] if len(senders) == 1 else ""
    recipients = list(envelope_recipients)
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        recipients.extend(_addresses(message, name))
    parsed = ParsedEmail(
        message_id=message_id,
        sender=sender,
        subject=clean_subject(_header(message, "Subject") or ""),
        recipients=recipients,
        body="",
        automated=is_automated(message, sender=sender),
        loop=LOOP_MARK in (_header(message, "X-Loop") or "").lower(),
        size=len(raw),
    )
    try:
        _read_parts(message, parsed)
    except RecursionError:
        parsed.body, parsed.files = "", []
    return parsed


def parse_headers(raw_headers: bytes, *, size: int) -> ParsedEmail:
    """What can be said of a message from its headers alone (one too large to be read whole)."""
    parsed = parse_email(raw_headers.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\r\n\r\n")
    parsed.size = size
    return parsed


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot read is a header we do not have
        return None
    return None if value is None else str(value)


def _addresses(message: EmailMessage, name: str) -> list[str]:
    """Every address of every `name` header, lower-case (a display name such as "boss@a.com" <x@b.com>
    is only a name: the address is x@b.com)."""
    found = []
    try:
        headers = message.get_all(name) or []
        for header in headers:
            for address in getattr(header, "addresses", ()):
                text = f"{address.username}@{address.domain}".lower()
                if address.username and address.domain and not _CONTROL.search(text):
                    found.append(text)
    except Exception:  # noqa: BLE001 - an unreadable address list gives no address
        return found
    return found


def is_automated(message: EmailMessage, *, sender: str) -> bool:
    auto_submitted = (_header(message, "Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if (_header(message, "Precedence") or "").strip().lower() in _AUTOMATED_PRECEDENCE:
        return True
    if (_header(message, "X-Auto-Response-Suppress") or "").strip():
        return True
    if any(
        _header(message, name) for name in ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond")
    ):
        return True
    if (_header(message, "Return-Path") or "").strip() == "<>":  # a bounce (RFC 5321's null sender)
        return True
    if message.get_content_type() == "multipart/report":  # delivery and read reports
        return True
    return bool(_ROBOT_SENDERS.match(sender))


_REPLY_PREFIX = re.compile(r"^\s*((re|aw|tr|wg|fw|fwd|antw|ant)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_subject(subject: str) -> str:
    """One line, without the "Re:", "AW:", "TR:" a reply adds, at most `SUBJECT_MAX` characters."""
    subject = _CONTROL.sub(" ", subject)
    subject = _REPLY_PREFIX.sub("", subject)
    return " ".join(subject.split())[:SUBJECT_MAX]


def _read_parts(message: EmailMessage, parsed: ParsedEmail) -> None:
    plain: str | None = None
    html: str | None = None
    for count, part in enumerate(message.walk()):
        if count >= PARTS_MAX:
            parsed.files_left_out.append(f"… ({PARTS_MAX} parts read)")
            break
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        name = _file_name(part)
        if name or part.get_content_disposition() == "attachment":
            _keep_file(part, name or "attachment", parsed)
        elif content_type == "text/plain" and plain is None:
            plain = _text(part)
        elif content_type == "text/html" and html is None:
            html = _text(part)
    # A person's words: the plain text part when there is one, else the HTML one made plain.
    text = plain if plain is not None and plain.strip() else html_to_text(html or "")
    parsed.body = strip_quoted(text)[:TEXT_MAX]


def _file_name(part: EmailMessage) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001 - an unreadable name: the part is kept as "attachment"
        return ""


def _keep_file(part: EmailMessage, name: str, parsed: ParsedEmail) -> None:
    if len(parsed.files) >= FILES_MAX:
        parsed.files_left_out.append(f"{name}: more than {FILES_MAX} files")
        return
    try:
        content = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        content = None
    if not isinstance(content, bytes):
        parsed.files_left_out.append(f"{name}: unreadable")
        return
    parsed.files.append(ParsedFile(name=name, content=content))


def _text(part: EmailMessage) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return ""
    if not isinstance(payload, bytes):
        return ""
    payload = payload[:TEXT_PART_MAX_BYTES]
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


class _TextOfHtml(HTMLParser):
    """The text a reader sees in an HTML e-mail; scripts, styles and everything not shown are dropped,
    no markup survives (the result is stored and shown as plain text, escaped like any other)."""

    HIDDEN = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math"}
    BLOCKS = {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "hr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.quoted = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote":
            self.quoted += 1  # the quoted history of a reply in HTML
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag == "blockquote" and self.quoted:
            self.quoted -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden and not self.quoted:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - what was read before the parser gave up is kept
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(lines)


# Where the quoted history of a reply starts: an attribution line in English, French or German (Gmail may
# wrap it over two lines), or a forwarded or original message's separator.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\s.+\swrote\s*:"
    r"|le\s.+\sa\s+[ée]crit\s*:"
    r"|am\s.+\sschrieb.*:"
    r"|-{2,}\s*(original message|message d.origine|urspr[üu]ngliche nachricht)\s*-{2,}"
    r")\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(on|le|am)\s", re.IGNORECASE)
_SIGNATURES = ("-- ", "--")  # the signature separator, and what mail programs trimming spaces leave of it


def strip_quoted(text: str) -> str:
    """The new text of a reply: up to the quoted history (an attribution line, then usually lines starting
    with '>'), without quoted lines anywhere, without the signature ("-- " line), trimmed."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line):
            break
        if _ATTRIBUTION_START.match(line) and index + 1 < len(lines):
            if _ATTRIBUTION.match(f"{line.rstrip()} {lines[index + 1].strip()}"):
                break
        if line in _SIGNATURES:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    cleaned = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", cleaned)
