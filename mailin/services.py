"""Receiving one e-mail: the one use case behind the IMAP poll and the MTA pipe.

A reply to a ticket's signed address becomes a message on it (with its files), when its sender is a user
of the ticket's account; a new e-mail from a customer's user opens a question (an incident needs its fee
accepted in the portal: the sender is sent the link to its form). Robots (auto-replies, lists, bounces)
and loops are recorded and left unanswered; a banned account gets the ban notice. Every message is
recorded once by its Message-ID with its outcome, in the transaction that acts on it: a message received
twice is recognised and never posts twice, and one whose processing failed is received anew next time.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from config.errors import SupportBanned
from mailin.models import InboundEmail
from mailin.notifications import MAILIN_BAN_NOTICE, MAILIN_INCIDENT_FORM
from mailin.parsing import ParsedEmail, parse_email, parse_headers
from outbox.services import email_queue
from tickets import replies
from tickets.models import Ticket
from tickets.services import attachment_check, message_post_with_attachments, ticket_open

logger = logging.getLogger(__name__)

Outcome, Reason = InboundEmail.Outcome, InboundEmail.Reason

# Answers (ban notice, incident link) sent to one address in an hour at most: a robot that answers every
# answer without saying it is one gets a few, not a loop.
ANSWERS_PER_HOUR = 3
# The kinds a tag of the mailbox's address asks for (`support+commercial@…`); the plain address asks a
# technical question.
KIND_BY_TAG = {
    "": Ticket.Kind.TECHNICAL,
    "technical": Ticket.Kind.TECHNICAL,
    "commercial": Ticket.Kind.COMMERCIAL,
    "sla_claim": Ticket.Kind.SLA_CLAIM,
    "sla": Ticket.Kind.SLA_CLAIM,
    "incident": Ticket.Kind.INCIDENT,
}


def inbound_email_receive(
    *, raw: bytes, source: str, envelope_recipients: tuple[str, ...] = ()
) -> InboundEmail:
    """Receive one e-mail (its bytes as delivered) and act on it; its record, new or, for a message
    already received, the one written then."""
    if len(raw) > settings.MAILIN_MAX_BYTES:
        return inbound_email_too_large(raw_headers=raw[:65536], size=len(raw), source=source)
    parsed = parse_email(raw, envelope_recipients=envelope_recipients)
    return _receive(parsed, source=source)


def inbound_email_too_large(*, raw_headers: bytes, size: int, source: str) -> InboundEmail:
    """A message over `MAILIN_MAX_BYTES`, refused from its headers alone (its body is never read)."""
    parsed = parse_headers(raw_headers, size=size)
    return _receive(parsed, source=source, too_large=True)


def _receive(parsed: ParsedEmail, *, source: str, too_large: bool = False) -> InboundEmail:
    existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing
    record = InboundEmail(
        message_id=parsed.message_id,
        source=source,
        sender=parsed.sender[:254],
        subject=parsed.subject,
        size=min(parsed.size, 2**31 - 1),
        outcome=Outcome.REJECTED,
    )
    try:
        with transaction.atomic():
            # First, so that the same message received at once by two processes waits here on the unique
            # Message-ID, and only one acts; the other's transaction has done nothing yet when it fails.
            record.save()
            if too_large:
                _reject(record, Reason.TOO_LARGE)
            else:
                _act(record, parsed)
            record.save()
    except IntegrityError:
        if record.pk is not None:  # not the twin: a failure of the action itself
            raise
        return InboundEmail.objects.get(message_id=parsed.message_id)
    return record


def _reject(record: InboundEmail, reason: str, detail: str = "") -> None:
    record.outcome, record.reason, record.detail = Outcome.REJECTED, reason, detail[:2000]


def _act(record: InboundEmail, parsed: ParsedEmail) -> None:
    if not parsed.sender:
        return _reject(record, Reason.MALFORMED)
    if parsed.loop or replies.address_tag(parsed.sender) is not None:  # our own mail coming back
        return _reject(record, Reason.LOOP)
    if parsed.automated:
        return _reject(record, Reason.AUTOMATED)
    author = (
        User.objects.select_related("customer")
        .filter(email=parsed.sender, is_active=True, role=Role.CUSTOMER, customer__isnull=False)
        .first()
    )
    if author is None:
        # Never answered: an answer to a forged From would be spam sent by the desk (backscatter).
        return _reject(record, Reason.UNKNOWN_SENDER)
    record.customer = author.customer
    tags = [tag for tag in (replies.address_tag(address) for address in parsed.recipients) if tag is not None]
    ticket_tags = [tag for tag in tags if replies.is_ticket_tag(tag)]
    if ticket_tags:
        return _reply(record, parsed, author=author, tags=ticket_tags)
    return _open(
        record, parsed, author=author, kind=KIND_BY_TAG.get(tags[0] if tags else "", Ticket.Kind.TECHNICAL)
    )


def _reply(record: InboundEmail, parsed: ParsedEmail, *, author, tags: list[str]) -> None:
    ticket_ids = [ticket_id for ticket_id in map(replies.ticket_id_from_tag, tags) if ticket_id is not None]
    ticket = Ticket.objects.filter(pk=ticket_ids[0]).first() if ticket_ids else None
    if ticket is None:
        logger.warning("inbound e-mail %s: reply address not valid %s", record.message_id, tags)
        return _reject(record, Reason.BAD_ADDRESS)
    record.ticket = ticket
    if ticket.customer_id != author.customer_id:
        logger.warning(
            "inbound e-mail %s: %s is not a user of ticket %s's account; refused",
            record.message_id,
            parsed.sender,
            ticket.pk,
        )
        return _reject(record, Reason.FOREIGN_SENDER)
    uploads = _allowed_files(record, parsed)
    if not parsed.body and not uploads:
        return _reject(record, Reason.EMPTY, record.detail)
    try:
        record.ticket_message = message_post_with_attachments(
            ticket=ticket,
            author=author,
            body=parsed.body or _("(files sent by e-mail)"),
            uploads=uploads,
            via_email=True,
        )
    except SupportBanned:
        return _banned(record)
    except ValidationError as exc:
        return _reject(record, Reason.INVALID, "; ".join(exc.messages))
    record.outcome = Outcome.MESSAGE


def _open(record: InboundEmail, parsed: ParsedEmail, *, author, kind: str) -> None:
    if author.customer.is_banned:
        return _banned(record)
    if kind == Ticket.Kind.INCIDENT:
        # The fee must be seen and accepted before an incident is ordered (LAW-11): only in the portal.
        _reject(record, Reason.INCIDENT)
        return _answer(record, MAILIN_INCIDENT_FORM)
    uploads = _allowed_files(record, parsed)
    if not parsed.body and not parsed.subject:
        return _reject(record, Reason.EMPTY, record.detail)
    try:
        with transaction.atomic():
            ticket = ticket_open(
                by=author,
                kind=kind,
                subject=parsed.subject or parsed.body.split("\n", 1)[0][:200],
                description=parsed.body or parsed.subject,
            )
            if uploads:
                record.ticket_message = message_post_with_attachments(
                    ticket=ticket,
                    author=author,
                    body=_("(files sent by e-mail)"),
                    uploads=uploads,
                    via_email=True,
                )
    except SupportBanned:  # banned a moment ago, under the account's lock
        return _banned(record)
    except ValidationError as exc:
        return _reject(record, Reason.INVALID, "; ".join(exc.messages))
    record.outcome, record.ticket = Outcome.TICKET, ticket


def _allowed_files(record: InboundEmail, parsed: ParsedEmail) -> list[SimpleUploadedFile]:
    """The files that a message in the portal could carry (tickets' size and type rules); the others are
    left out and named in the record."""
    allowed, left_out = [], list(parsed.files_left_out)
    for file in parsed.files:
        upload = SimpleUploadedFile(file.name, file.content)
        try:
            attachment_check(upload)
        except ValidationError as exc:
            left_out.append(f"{file.name}: {' '.join(exc.messages)}")
            continue
        allowed.append(upload)
    if left_out:
        record.detail = (_("Files left out:") + " " + "; ".join(left_out))[:2000]
    return allowed


def _banned(record: InboundEmail) -> None:
    _reject(record, Reason.BANNED)
    _answer(record, MAILIN_BAN_NOTICE)


def _answer(record: InboundEmail, kind: str) -> None:
    """Send the sender an answer through the outbox, unless the address was answered often lately."""
    assert record.customer is not None  # noqa: S101 - answers go to known users only
    since = timezone.now() - timedelta(hours=1)
    recent = InboundEmail.objects.filter(sender=record.sender, answered=True, received_at__gte=since).count()
    if recent >= ANSWERS_PER_HOUR:
        logger.warning(
            "inbound e-mail %s: %s answered %s times this hour; not again",
            record.message_id,
            record.sender,
            recent,
        )
        return
    record.answered = True
    email_queue(kind=kind, object_id=record.pk, customer_id=record.customer.pk)
