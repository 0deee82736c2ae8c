"""E-mails as customers' mail programs (and robots, and attackers) send them, and the desk's address."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tickets.replies import support_address, ticket_reply_address

DOMAIN = "desk.example.com"


@pytest.fixture(autouse=True)
def _mailbox(settings):
    settings.MAILIN_REPLY_DOMAIN = DOMAIN
    settings.MAILIN_LOCAL_PART = "support"


def mail(
    *,
    sender: str = "client@example.fr",
    to: str | None = None,
    subject: str = "Re: Ticket",
    body: str = "Thanks, the disk is back.",
    html: str | None = None,
    files: tuple[tuple[str, bytes, str], ...] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    """The bytes of an e-mail; `files` are (name, content, "maintype/subtype")."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or support_address()
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.fr")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content, mime in files:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def reply_to(ticket, **kwargs) -> bytes:
    return mail(to=ticket_reply_address(ticket.pk), **kwargs)
