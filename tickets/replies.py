"""The signed reply address of a ticket: `<local part>+t<ticket id>.<signature>@<reply domain>`.

Set as Reply-To on the ticket's e-mails, so a customer's reply finds its ticket (mailin). The signature is
an HMAC of the ticket's id with a key derived from SECRET_KEY: nobody can make up the address of a ticket
they were not written about. It is lower-case hex, because mail systems may change the case of a local
part. The address names the ticket only: mailin still checks that the sender belongs to its account.
"""

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "incident-desk.mailin.reply-address"
_SIGNATURE_LENGTH = 20  # hex digits: 80 bits


def _signature(ticket_id: int) -> str:
    return salted_hmac(_SALT, str(ticket_id), algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def ticket_reply_address(ticket_id: int) -> str:
    """The ticket's reply address; empty while no reply domain is configured (nothing is received)."""
    if not settings.MAILIN_REPLY_DOMAIN:
        return ""
    return f"{settings.MAILIN_LOCAL_PART}+t{ticket_id}.{_signature(ticket_id)}@{settings.MAILIN_REPLY_DOMAIN}"


def support_address() -> str:
    """The mailbox's plain address, where a new e-mail opens a ticket; empty while not configured."""
    if not settings.MAILIN_REPLY_DOMAIN:
        return ""
    return f"{settings.MAILIN_LOCAL_PART}@{settings.MAILIN_REPLY_DOMAIN}"


_TAGGED = re.compile(r"^(?P<local>[^+@]+)\+(?P<tag>[^@]+)@(?P<domain>[^@]+)$")
_TICKET_TAG = re.compile(r"^t(?P<id>[1-9][0-9]{0,18})\.(?P<signature>[0-9a-f]+)$")


def address_tag(address: str) -> str | None:
    """The tag of an address of our mailbox (`support+TAG@domain` → "TAG"), "" for the plain address, None
    for any other address."""
    address = address.strip().lower()
    if not settings.MAILIN_REPLY_DOMAIN:
        return None
    if address == support_address():
        return ""
    match = _TAGGED.match(address)
    if (
        match is None
        or match["local"] != settings.MAILIN_LOCAL_PART
        or match["domain"] != settings.MAILIN_REPLY_DOMAIN
    ):
        return None
    return match["tag"]


def ticket_id_from_tag(tag: str) -> int | None:
    """The ticket a reply address's tag names when its signature is right; None otherwise (forged,
    altered, or signed with another key)."""
    match = _TICKET_TAG.match(tag)
    if match is None:
        return None
    ticket_id = int(match["id"])
    return ticket_id if constant_time_compare(match["signature"], _signature(ticket_id)) else None


def is_ticket_tag(tag: str) -> bool:
    """Whether a tag has the shape of a ticket's (signed or not): a forged one is refused, never a new ticket."""
    return tag.startswith("t") and "." in tag
