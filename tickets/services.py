"""Ticket use cases. Each locks the ticket row, applies one transition and writes the history."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, Role, Service, User
from accounts.permissions import is_staff_member
from billing.pricing import diagnosis_fee_for
from billing.tax import buyer_of
from config.bulk import among, insert_rows, update_from_instances
from config.errors import SupportBanned
from config.transitions import transition_save, written_by
from outbox.services import email_queue, emails_queue
from tickets import sla
from tickets.models import Attachment, Message, StaffNotice, Ticket, TicketEvent
from tickets.notifications import STAFF_REPLIED, TICKET_ANSWERED, TICKET_OPENED, staff_notice_kind
from tickets.signals import sla_claims_forfeited, tickets_ended


def ticket_lock(*, ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock: a concurrent actor waits, then sees the new state."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def tickets_record(
    *,
    ticket_ids: Sequence[int],
    verb: str,
    actor=None,
    public: bool = True,
    detail: dict | None = None,
    at: datetime | None = None,
) -> list[int]:
    """One history row per ticket, all telling the same thing: a use case on one ticket, or a chunk of the
    ban sweep on thousands, in one statement. The rows' ids.

    A staff member's action answers whatever waited for the desk on these tickets (`staff_notify`).
    """
    if actor is not None and is_staff_member(actor):
        Ticket.objects.filter(pk__in=ticket_ids, waiting_since__isnull=False).update(waiting_since=None)
    return insert_rows(
        TicketEvent,
        [{"ticket_id": ticket_id} for ticket_id in ticket_ids],
        same={
            "actor_id": actor.pk if actor is not None else None,
            "verb": verb,
            "public": public,
            "detail": detail or {},
            "created_at": at or timezone.now(),
        },
    )


def ticket_record(*, ticket: Ticket, verb: str, actor=None, public: bool = True, **detail) -> TicketEvent:
    """`tickets_record` for one ticket; the history row as written."""
    at = timezone.now()
    (pk,) = tickets_record(
        ticket_ids=[ticket.pk], verb=verb, actor=actor, public=public, detail=detail, at=at
    )
    return TicketEvent(
        pk=pk, ticket=ticket, actor=actor, verb=verb, public=public, detail=detail, created_at=at
    )


def tickets_ended_announce(*, ticket_ids: list[int]) -> None:
    """Tell the apps above that these tickets have just ended, inside the transaction that ended them.

    Every use case that moves a ticket into a final state calls it once, with all the tickets it ended.
    """
    if ticket_ids:
        tickets_ended.send(sender=Ticket, ticket_ids=list(ticket_ids))


def staff_notify(*, ticket: Ticket, event: str, by, waiting: bool = True) -> None:
    """Tell the desk by e-mail what a customer just did on `ticket`: its assignee, else the queue (the team
    address `SUPPORT_QUEUE_EMAIL`, else every active agent); nobody who switched notices off, and never of
    a staff member's own action. Written to the outbox in the caller's transaction: a rollback sends none.

    `waiting`: the ticket now waits for the desk (the staff menu's "waiting for me"), until a staff member
    acts on it (`tickets_record`).
    """
    if by is None or is_staff_member(by):
        return
    if waiting:
        Ticket.objects.filter(pk=ticket.pk).update(waiting_since=timezone.now())
    notices = [
        StaffNotice(ticket_id=ticket.pk, event=event, recipient_id=recipient, address=address)
        for recipient, address in _staff_notice_recipients(ticket, by=by)
    ]
    if notices:
        StaffNotice.objects.bulk_create(notices)
        emails_queue(
            kind=staff_notice_kind(event), objects=[(notice.pk, ticket.customer_id) for notice in notices]
        )


def _staff_notice_recipients(ticket: Ticket, *, by) -> list[tuple[int | None, str]]:
    """(staff user id, "") for each person to tell, or (None, the team address)."""
    staff = User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER).exclude(pk=by.pk)
    if ticket.assignee_id is not None:
        # The assignee's own choice: switched off, nobody is told. Deactivated: the queue instead.
        assignee = list(staff.filter(pk=ticket.assignee_id).values_list("pk", "email_notices"))
        if assignee:
            return [(pk, "") for pk, wants in assignee if wants]
    if settings.SUPPORT_QUEUE_EMAIL:
        return [(None, settings.SUPPORT_QUEUE_EMAIL)]
    agents = staff.filter(role=Role.AGENT, email_notices=True).order_by("id")
    return [(pk, "") for pk in agents.values_list("pk", flat=True)]


def fee_acceptance_check(*, kind: str, accept_diagnosis_fee: bool) -> None:
    """An incident is ordered only with its fee seen and accepted (a 400 on `accept_diagnosis_fee`)."""
    if kind == Ticket.Kind.INCIDENT and not accept_diagnosis_fee:
        raise ValidationError(
            {"accept_diagnosis_fee": [_("An incident needs the diagnosis fee to be seen and accepted.")]}
        )


def sla_claim_check(
    *,
    kind: str,
    service: Service | None,
    outage_started_at: datetime | None,
    outage_ended_at: datetime | None,
    now: datetime,
) -> None:
    """What an SLA claim names, and only it: a service under an SLA, and a past period of unavailability
    (both ends, the first before the second); a 400 on the field at fault. Staff confirm the hours later."""
    errors: dict[str, list[str]] = {}
    if kind != Ticket.Kind.SLA_CLAIM:
        if outage_started_at is not None or outage_ended_at is not None:
            errors["outage_started_at"] = [_("Only an SLA claim names a period of unavailability.")]
        if errors:
            raise ValidationError(errors)
        return
    if service is not None and not service.has_sla:
        errors["service"] = [_("This service has no service level agreement: it earns no SLA credit.")]
    if (outage_started_at is None) != (outage_ended_at is None):
        field = "outage_ended_at" if outage_ended_at is None else "outage_started_at"
        errors[field] = [_("Give both the start and the end of the unavailability.")]
    elif outage_started_at is not None and outage_ended_at is not None:
        if outage_ended_at <= outage_started_at:
            errors["outage_ended_at"] = [_("The end of the unavailability must come after its start.")]
        elif outage_ended_at > now:
            errors["outage_ended_at"] = [_("Claim an unavailability once it has ended.")]
    if errors:
        raise ValidationError(errors)


def ticket_open(
    *,
    by,
    kind: str,
    subject: str,
    description: str,
    service: Service | None = None,
    suspected_provider_fault: bool = False,
    accept_diagnosis_fee: bool = False,
    outage_started_at: datetime | None = None,
    outage_ended_at: datetime | None = None,
) -> Ticket:
    """Open a ticket for the caller's account. An incident carries the fee shown now, once accepted; an SLA
    claim names its service and its period of unavailability."""
    fee_acceptance_check(kind=kind, accept_diagnosis_fee=accept_diagnosis_fee)
    if service is not None and service.customer_id != by.customer_id:
        raise ValidationError({"service": [_("This service does not belong to your account.")]})
    now = timezone.now()
    sla_claim_check(
        kind=kind,
        service=service,
        outage_started_at=outage_started_at,
        outage_ended_at=outage_ended_at,
        now=now,
    )
    with transaction.atomic():
        # Locked so that a ban applied at this very moment either sees this ticket (and cancels it)
        # or is seen here; never an open ticket on a banned account. The locked row is also the one
        # whose country prices the fee: the account is read once per ticket.
        customer = Customer.objects.select_for_update(no_key=True).get(pk=by.customer_id)
        if customer.is_banned:
            raise SupportBanned()
        fee = (
            diagnosis_fee_for(buyer=buyer_of(customer), at=now, service=service)
            if kind == Ticket.Kind.INCIDENT
            else None
        )
        ticket = Ticket.objects.create(
            customer=customer,
            opened_by=by,
            kind=kind,
            subject=subject,
            description=description,
            service=service,
            suspected_provider_fault=suspected_provider_fault,
            outage_started_at=outage_started_at,
            outage_ended_at=outage_ended_at,
            created_at=now,
            waiting_since=now,  # for the desk, until a staff member acts on it
            **(_fee_fields(fee) if fee else {}),
            **sla.due_fields(kind=kind, opened_at=now, country=customer.country),
        )
        ticket_record(
            ticket=ticket,
            verb=TicketEvent.Verb.OPENED,
            actor=by,
            fee_gross=str(fee.gross) if fee else None,
            fee_free=fee.free if fee else None,
            provider_incident=fee.provider_incident if fee else None,
        )
        email_queue(kind=TICKET_OPENED, object_id=ticket.pk, customer_id=customer.pk)  # sent after commit
        staff_notify(ticket=ticket, event=StaffNotice.Event.TICKET_OPENED, by=by, waiting=False)
    return ticket


def _fee_fields(fee) -> dict:
    return {
        "fee_currency": fee.currency,
        "fee_net": fee.net,
        "fee_vat_rate": fee.vat_rate,
        "fee_vat": fee.vat,
        "fee_gross": fee.gross,
        "fee_free": fee.free,
        "fee_free_reason": fee.free_reason or "",
        "fee_vat_category": fee.vat_category,
        "provider_incident_id": fee.provider_incident,
    }


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, by=None, reason: str = "") -> Ticket:
    """The customer withdraws a ticket nobody has started on; it costs nothing."""
    ticket = ticket_lock(ticket=ticket)
    _tickets_cancel([ticket], by=by, reason=reason)
    return ticket


@transaction.atomic
def tickets_cancel_for_bans(*, customer_ids: Sequence[int]) -> int:
    """Banned accounts' tickets nobody has started on are cancelled at no charge; started ones run to their end.

    Many accounts at once (a chunk of the ban sweep) as for one. A ticket an agent is starting right now is
    waited for, then left out if it is no longer open. Only the columns the transition needs are read.
    """
    waiting = list(
        Ticket.objects.filter(among("customer_id", customer_ids), status=Ticket.State.OPEN)
        .only("kind", *written_by(Ticket.cancel))
        .order_by("id")
        .select_for_update()
    )
    # An SLA claim is not cancelled: it is refused for the ban, by credits (sla_claims_forfeited).
    tickets = [ticket for ticket in waiting if ticket.kind != Ticket.Kind.SLA_CLAIM]
    _tickets_cancel(tickets, reason="support_banned")
    claims = [ticket.pk for ticket in waiting if ticket.kind == Ticket.Kind.SLA_CLAIM]
    if claims:
        sla_claims_forfeited.send(sender=Ticket, ticket_ids=claims)
    return len(tickets)


def _tickets_cancel(tickets: Sequence[Ticket], *, by=None, reason: str) -> None:
    """Cancel locked tickets: each through its transition, then all written at once with their history
    rows, and announced ended once."""
    if not tickets:
        return
    now = timezone.now()
    for ticket in tickets:
        ticket.cancel(at=now)
    update_from_instances(tickets, written_by(Ticket.cancel))
    ticket_ids = [ticket.pk for ticket in tickets]
    tickets_record(
        ticket_ids=ticket_ids, verb=TicketEvent.Verb.CANCELLED, actor=by, detail={"reason": reason}, at=now
    )
    tickets_ended_announce(ticket_ids=ticket_ids)


@transaction.atomic
def ticket_claim(*, ticket: Ticket, by) -> Ticket:
    """An agent takes an open ticket that nobody holds (the other of two at once gets a 409); for an
    incident this engages nothing: the diagnosis, and the customer's fee, start with ticket_start_diagnosis."""
    ticket = ticket_lock(ticket=ticket)
    transition_save(ticket, Ticket.claim, agent=by)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.ASSIGNED, actor=by, public=False, assignee=by.pk)
    return ticket


@transaction.atomic
def ticket_start_diagnosis(*, ticket: Ticket, by) -> Ticket:
    """An agent takes an open incident; from now on the customer's fee is engaged."""
    ticket = ticket_lock(ticket=ticket)
    transition_save(ticket, Ticket.start_diagnosis, agent=by)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.DIAGNOSIS_STARTED, actor=by)
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, answer: str, by) -> Ticket:
    """Staff answer a question ticket (technical, commercial, SLA claim) and close it."""
    ticket = ticket_lock(ticket=ticket)
    tickets_close([ticket], answers={ticket.pk: answer}, by=by)
    return ticket


def tickets_close(tickets: Sequence[Ticket], *, answers: Mapping[int, str], by=None) -> None:
    """Answer locked question tickets and close them: each through its transition, then all written at once
    with their history rows and the customers' e-mails (sent after commit), and announced ended once. One
    ticket a staff member answers, or the SLA claims a chunk of the ban sweep refuses."""
    if not tickets:
        return
    for ticket in tickets:
        ticket.answer_and_close(answer=answers[ticket.pk], agent=by)
    update_from_instances(tickets, written_by(Ticket.answer_and_close))
    ticket_ids = [ticket.pk for ticket in tickets]
    tickets_record(ticket_ids=ticket_ids, verb=TicketEvent.Verb.CLOSED, actor=by)
    tickets_ended_announce(ticket_ids=ticket_ids)
    emails_queue(kind=TICKET_ANSWERED, objects=[(ticket.pk, ticket.customer_id) for ticket in tickets])


def message_refused_to(*, ticket: Ticket, author) -> bool:
    """A banned account's users may write only in its running incidents (diagnosing, quoted, in work), which
    run to their end; its other tickets are over for it, ended or cancelled by the ban (SEC-25)."""
    if author.customer_id is None or ticket.status in Ticket.RUNNING_STATES:
        return False
    # Read now, not from the request's user: a refusal a moment ago counts.
    return Customer.objects.filter(
        pk=author.customer_id, support_status=Customer.SupportStatus.BANNED
    ).exists()


@transaction.atomic
def message_post(*, ticket: Ticket, author, body: str, via_email: bool = False) -> Message:
    """Messages may be written in any state: a closed ticket can still be talked about, except by a banned
    account (`message_refused_to`). `via_email`: a reply received by e-mail (mailin), marked for the staff."""
    if message_refused_to(ticket=ticket, author=author):
        raise SupportBanned()
    message = Message.objects.create(ticket=ticket, author=author, body=body, via_email=via_email)
    ticket_record(ticket=ticket, verb=TicketEvent.Verb.MESSAGE, actor=author, message=message.pk)
    staff_notify(ticket=ticket, event=StaffNotice.Event.MESSAGE, by=author)  # a customer's reply
    if is_staff_member(author):
        ticket_first_response_stamp(ticket=ticket, at=message.created_at)
        email_queue(kind=STAFF_REPLIED, object_id=message.pk, customer_id=ticket.customer_id)  # after commit
    return message


def ticket_first_response_stamp(*, ticket: Ticket, at: datetime) -> bool:
    """A staff message is the ticket's first response if none came before and the ticket has not ended
    (a message on a cancelled ticket answers nothing). One conditional UPDATE, no row lock: of two messages
    at once the first committed is the response, and the ticket's workflow is not waited for. Whether this
    one was it."""
    stamped = Ticket.objects.filter(
        pk=ticket.pk, first_responded_at__isnull=True, ended_at__isnull=True
    ).update(
        first_responded_at=at,
        sla_next_due_at=Case(
            When(
                diagnosis_due_at__isnull=False,
                diagnosis_started_at__isnull=True,
                then=F("diagnosis_due_at"),
            ),
            default=Value(sla.NOTHING_DUE),
        ),
    )
    return bool(stamped)


# SEC-22: the allow-list, checked on the file's first bytes; the name's extension must agree.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", Attachment.Kind.PNG, "image/png", {"png"}),
    (b"\xff\xd8\xff", Attachment.Kind.JPEG, "image/jpeg", {"jpg", "jpeg"}),
    (b"%PDF-", Attachment.Kind.PDF, "application/pdf", {"pdf"}),
]
_TEXT_EXTENSIONS = {"txt", "log"}
_SNIFF_BYTES = 8192


def attachment_kind(*, head: bytes, name: str) -> tuple[str, str]:
    """(kind, content type) of an upload from its first bytes, or ValidationError if not allowed."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for magic, kind, content_type, extensions in _MAGIC:
        if head.startswith(magic) and extension in extensions:
            return kind, content_type
    if extension in _TEXT_EXTENSIONS and _looks_like_text(head):
        return Attachment.Kind.TEXT, "text/plain; charset=utf-8"
    raise ValidationError(
        {
            "attachment": [
                _(
                    "Only PNG and JPEG images, PDF documents and text or log files "
                    "are accepted, and the file's content must match its name."
                )
            ]
        }
    )


def _looks_like_text(head: bytes) -> bool:
    import codecs

    if b"\x00" in head:
        return False
    try:
        # Incremental: a multi-byte character cut at the sniffing boundary is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _clean_file_name(name: str) -> str:
    import unicodedata

    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[-150:] or "attachment"


def attachment_check(upload) -> tuple[str, str, str]:
    """(kind, content type, SHA-256) of an upload allowed as an attachment: 10 MB at most, not empty, an
    allowed type by content (SEC-22); ValidationError otherwise. Leaves the file at its start."""
    import hashlib

    from django.conf import settings

    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "attachment": [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"attachment": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    kind, content_type = attachment_kind(head=head, name=upload.name or "")
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, content_type, digest.hexdigest()


@transaction.atomic
def message_post_with_attachment(*, ticket: Ticket, author, body: str, upload=None) -> Message:
    """A message with at most one file, checked by `attachment_check` and stored under a random name."""
    return message_post_with_attachments(
        ticket=ticket, author=author, body=body, uploads=[upload] if upload is not None else []
    )


@transaction.atomic
def message_post_with_attachments(
    *, ticket: Ticket, author, body: str, uploads: Sequence = (), via_email: bool = False
) -> Message:
    """A message with files (a reply by e-mail may carry several), each checked by `attachment_check`
    before anything is written: one refused file refuses the message."""
    checked = [(upload, *attachment_check(upload)) for upload in uploads]
    message = message_post(ticket=ticket, author=author, body=body, via_email=via_email)
    for upload, kind, content_type, sha256 in checked:
        Attachment.objects.create(
            message=message,
            ticket=ticket,
            file=upload,
            original_name=_clean_file_name(upload.name or ""),
            kind=kind,
            content_type=content_type,
            size=upload.size,
            sha256=sha256,
        )
    return message


def ticket_note_add(*, ticket: Ticket, author, body: str) -> TicketEvent:
    """Staff notes are part of the history the customer never sees."""
    return ticket_record(ticket=ticket, verb=TicketEvent.Verb.NOTE, actor=author, public=False, body=body)
