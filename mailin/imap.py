"""Polling the support mailbox over IMAP: each unseen message is received (mailin.services) and marked
seen. A message whose processing failed stays unseen and is tried again at the next poll; one received
before (a poll interrupted between the two) is recognised by its Message-ID and not acted on twice."""

import imaplib
import logging
import re

from django.conf import settings

from mailin.models import InboundEmail
from mailin.services import inbound_email_receive, inbound_email_too_large

logger = logging.getLogger(__name__)

# Messages read by one poll: the next poll reads the rest (a poll is not a task running for ever).
POLL_BATCH = 500
IMAP_TIMEOUT = 30
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def imap_configured() -> bool:
    """A mailbox to poll, and the domain its replies are addressed to (without it no reply finds its ticket)."""
    return bool(settings.MAILIN_IMAP_HOST and settings.MAILIN_REPLY_DOMAIN)


def mailbox_poll(*, limit: int = POLL_BATCH) -> int:
    """Receive the unseen messages of the configured folder; how many were read (0 when e-mail in is not
    configured: `make run` and a desk without it poll nothing)."""
    if not imap_configured():
        return 0
    client = imaplib.IMAP4_SSL if settings.MAILIN_IMAP_SSL else imaplib.IMAP4
    with client(settings.MAILIN_IMAP_HOST, settings.MAILIN_IMAP_PORT, timeout=IMAP_TIMEOUT) as imap:
        imap.login(settings.MAILIN_IMAP_USER, settings.MAILIN_IMAP_PASSWORD)
        status, _data = imap.select(_quoted(settings.MAILIN_IMAP_FOLDER))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.MAILIN_IMAP_FOLDER!r}")
        status, data = imap.uid("SEARCH", "UNSEEN")
        uids = (
            [uid.decode() for uid in data[0].split()[:limit]] if status == "OK" and data and data[0] else []
        )
        read = 0
        for uid in uids:
            try:
                _receive_one(imap, uid)
            except imaplib.IMAP4.abort:
                raise  # the connection is gone: the next poll goes on
            except Exception:
                # Left unseen, tried again at the next poll; the others are still read.
                logger.exception("mailbox message %s not received; tried again at the next poll", uid)
                continue
            imap.uid("STORE", uid, "+FLAGS", r"(\Seen)")
            read += 1
        imap.close()
        return read


def _receive_one(imap: imaplib.IMAP4, uid: str) -> InboundEmail:
    status, data = imap.uid("FETCH", uid, "(RFC822.SIZE)")
    match = _SIZE.search(data[0] if status == "OK" and data and isinstance(data[0], bytes) else b"")
    size = int(match.group(1)) if match else 0
    if size > settings.MAILIN_MAX_BYTES:
        # Its headers only: a huge message is never downloaded.
        return inbound_email_too_large(
            raw_headers=_fetched(imap, uid, "(BODY.PEEK[HEADER])"), size=size, source=InboundEmail.Source.IMAP
        )
    # PEEK: the message is marked seen only once received.
    return inbound_email_receive(raw=_fetched(imap, uid, "(BODY.PEEK[])"), source=InboundEmail.Source.IMAP)


def _fetched(imap: imaplib.IMAP4, uid: str, what: str) -> bytes:
    status, data = imap.uid("FETCH", uid, what)
    for item in data if status == "OK" else []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise imaplib.IMAP4.error(f"message {uid} could not be fetched")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
