"""The outbox: e-mail to customer accounts, written with the business change, sent after commit by a task.

The outbox knows none of the apps that send through it: each app's `notifications.py` (imported by its
`ready()`) registers a builder per kind of e-mail with `@email_builder(kind)`; its service writes the
outbox row with `email_queue(...)` inside its own transaction (a deadline sweep writes a chunk's rows with
`emails_record(...)`, relayed by one task). The task renders the message in the account's language at
send time (text and HTML templates under `templates/email/<app>/<event>.*`), sends it, and records it, so
a rerun never sends it twice. The hourly sweep sends what the broker lost: the e-mails still pending after
a grace period.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone, translation

from accounts.models import Customer, Role, User
from config.bulk import insert_rows
from outbox.models import SentEmail
from outbox.signals import email_sent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

# After this many failed attempts an e-mail is left for a person to look at (last_error says why).
MAX_ATTEMPTS = 10
# E-mails sent per transaction and per SMTP connection: their rows stay locked while they go, and a
# crash in the middle sends at most this many again (the outbox delivers at least once).
EMAIL_BATCH = 100
# A recorded e-mail younger than this is its task's to send (with the task's retries); the hourly sweep
# sends only older ones, whose task was lost (REL-12: outbox rows older than 5 minutes).
EMAIL_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class EmailSpec:
    """What a builder returns: the message's subject and templates, rendered in the account's language.

    An e-mail to the account's users names no `to`; one to the provider's staff about the account (a staff
    notice) names its addresses and their language (an empty `to`: nobody to send it to any more).
    """

    customer: Customer
    template: str  # "email/<app>/<event>", without the .txt / .html extension
    subject: "StrOrPromise"  # a lazy translation, formatted with `context` in the account's language
    context: dict = field(default_factory=dict)
    to: tuple[str, ...] | None = None  # None: the account's active users
    language: str = ""  # with `to`: theirs; else the account's
    reply_to: tuple[str, ...] = ()  # where a reply goes (a ticket's signed reply address: mailin)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Auto-Submitted on automatic answers


def site_link(path: str) -> str:
    """The absolute address of a page of the site (`path` from reverse()), for an e-mail to carry."""
    return f"{settings.SITE_URL}{path}"


_BUILDERS: dict[str, Callable[[int], EmailSpec]] = {}
_BATCH_BUILDERS: dict[str, Callable[[list[int]], dict[int, EmailSpec]]] = {}


def email_builder(kind: str):
    """Register the function that builds e-mails of `kind` from the id of the object they are about."""

    def register(builder: Callable[[int], EmailSpec]) -> Callable[[int], EmailSpec]:
        if _BUILDERS.get(kind, builder) is not builder:
            raise ValueError(f"two builders for e-mail kind {kind!r}")
        _BUILDERS[kind] = builder
        return builder

    return register


def emails_builder(kind: str):
    """Register, beside its `email_builder`, the function that builds many e-mails of `kind` with one query
    ({object id: spec}; an id it leaves out does not exist). Kinds a sweep sends by the thousand have one."""

    def register(builder: Callable[[list[int]], dict[int, EmailSpec]]):
        if _BATCH_BUILDERS.get(kind, builder) is not builder:
            raise ValueError(f"two batch builders for e-mail kind {kind!r}")
        _BATCH_BUILDERS[kind] = builder
        return builder

    return register


def email_kinds() -> list[str]:
    return sorted(_BUILDERS)


def email_queue(*, kind: str, object_id: int, customer_id: int) -> None:
    """Record an e-mail in the caller's transaction and have it sent once that transaction has committed.

    Recording it with the change it tells about means a broker outage delays it but never loses it.
    """
    SentEmail.objects.bulk_create(
        [SentEmail(kind=kind, object_id=object_id, customer_id=customer_id)], ignore_conflicts=True
    )
    # robust: with the broker down the request still succeeds; the hourly sweep sends it.
    transaction.on_commit(emails_relay_soon, robust=True)


def emails_queue(*, kind: str, objects: list[tuple[int, int]]) -> None:
    """`email_queue` for the e-mails of one event to several recipients, (object id, customer id) each:
    one INSERT, sent by the same relay once the caller's transaction has committed."""
    if not objects:
        return
    SentEmail.objects.bulk_create(
        [
            SentEmail(kind=kind, object_id=object_id, customer_id=customer_id)
            for object_id, customer_id in objects
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(emails_relay_soon, robust=True)


# One relay task sends every e-mail recorded while it waited to run, instead of one task per e-mail: at a
# hundred new tickets a second, receiving and acknowledging a task per e-mail cost the workers more than
# the e-mails (docs/performance.md). A flag in Redis, the broker, says a relay is waiting; it expires, so a
# lost relay task holds nothing back for longer than this (and the hourly sweep sends what is left).
RELAY_FLAG = "incident-desk:emails-relay-waiting"
RELAY_FLAG_SECONDS = 60
# Batches one relay sends before handing the rest to the next one (a worker is not held for ever).
RELAY_BATCHES = 20


def emails_relay_soon() -> None:
    """Have a worker send the recorded e-mails: publish a relay task, unless one is already waiting."""
    from outbox.tasks import emails_relay_task  # the tasks module imports this one

    if _relay_flag_raised():
        emails_relay_task.delay()


def emails_relay() -> int:
    """Send the recorded e-mails nobody has tried to send yet, oldest first, a batch at a time; how many
    were sent. A failure is recorded on its row and left to the hourly sweep (after its grace period),
    so an SMTP outage is not retried by every new e-mail's relay."""
    _relay_flag_lower()  # first: an e-mail recorded from now on publishes a relay of its own
    sent = 0
    for _batch in range(RELAY_BATCHES):
        rows, error = _send_batch(SentEmail.objects.filter(attempts=0), limit=EMAIL_BATCH)
        if not rows:
            return sent
        if error is not None:
            _log_unsent(rows, error)
        sent += _sent(rows)
    emails_relay_soon()  # more were waiting than one relay sends: the next one goes on
    return sent


@lru_cache(maxsize=4)
def _flag_store(url: str):
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _relay_flag_raised() -> bool:
    """True if this call raised the flag (so it publishes the relay); True too when there is no flag to
    keep (no Redis broker, or Redis not answering): then each e-mail publishes its relay, as it must."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return True
    try:
        return bool(_flag_store(url).set(RELAY_FLAG, "1", nx=True, ex=RELAY_FLAG_SECONDS))
    except redis.RedisError:
        return True


def _relay_flag_lower() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        try:
            _flag_store(url).delete(RELAY_FLAG)
        except redis.RedisError:
            logger.warning("could not lower the e-mail relay flag; it expires in %s s", RELAY_FLAG_SECONDS)


def emails_record(*, kind: str, objects: list[tuple[int, int]]) -> None:
    """Record e-mails of one kind about many objects, (object id, customer id) each, in the caller's
    transaction with one INSERT, and hand them to the workers as one task once it has committed.

    A sweep's chunk of 1,000 e-mails is one broker message; if it is lost, the hourly sweep sends them.
    """
    if not objects:
        return
    object_ids = [object_id for object_id, _customer_id in objects]
    insert_rows(
        SentEmail,
        [{"object_id": object_id, "customer_id": customer_id} for object_id, customer_id in objects],
        same={"kind": kind},
        ignore_conflicts=True,
    )

    def enqueue() -> None:
        from outbox.tasks import emails_send_task  # the tasks module imports this one

        emails_send_task.delay(kind, object_ids)

    # robust: with the broker down the sweep still commits; the hourly sweep sends them after the grace.
    transaction.on_commit(enqueue, robust=True)


def emails_send(*, kind: str, object_ids: list[int]) -> int:
    """Send the recorded e-mails of `kind` about `object_ids` that have not gone yet, a batch at a time;
    how many were sent. A failure is recorded on its row and raised once the others have gone, so the
    task retries (with its backoff) only the ones that failed."""
    sent, first_error = 0, None
    for start in range(0, len(object_ids), EMAIL_BATCH):
        batch = object_ids[start : start + EMAIL_BATCH]
        rows, error = _send_batch(SentEmail.objects.filter(kind=kind, object_id__in=batch))
        sent += _sent(rows)
        first_error = first_error or error
    if first_error is not None:
        raise first_error
    return sent


def emails_send_overdue(*, now: datetime) -> int:
    """Send the e-mails still pending `EMAIL_GRACE` after they were recorded (their task was lost, or is
    out of retries), a batch at a time; how many were sent. A failure is recorded on its row."""
    sent, after = 0, 0
    overdue = emails_pending().filter(created_at__lt=now - EMAIL_GRACE)
    while True:
        rows, error = _send_batch(overdue.filter(pk__gt=after), limit=EMAIL_BATCH)
        if not rows:
            return sent
        if error is not None:
            _log_unsent(rows, error)
        sent, after = sent + _sent(rows), rows[-1].pk


def emails_pending():
    return SentEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).order_by("id")


def _log_unsent(rows: list[SentEmail], error: Exception) -> None:
    logger.error(
        "e-mails %s to %s: %s not sent (recorded on their rows), first: %r",
        rows[0].pk,
        rows[-1].pk,
        len(rows) - _sent(rows),
        error,
    )


def _sent(rows: list[SentEmail]) -> int:
    return sum(email.sent_at is not None for email in rows)


def _send_batch(emails, *, limit: int | None = None) -> tuple[list[SentEmail], Exception | None]:
    """Lock those of `emails` still to send (skipping rows another worker holds), send them over one
    connection and record each; the rows locked, and the first failure.

    One transaction: the rows stay locked until the outcome of each is recorded, so two workers never
    send one e-mail both. A message that fails is recorded (attempts, last_error); the others still go.
    """
    first_error: Exception | None = None
    with transaction.atomic():
        locked = (
            emails.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("id")
        )
        rows = list(locked[:limit] if limit else locked)
        if not rows:
            return [], None
        failures = _deliver(rows)
        now = timezone.now()
        for email in rows:
            email.attempts += 1
            error = failures.get(email.pk)
            if error is None:
                email.sent_at, email.last_error = now, ""
            else:
                email.last_error = f"{type(error).__name__}: {error}"[:2000]
                first_error = first_error or error
        fields = ["attempts", "recipients", "language", "sent_at", "last_error"]
        if len(rows) == 1:  # the e-mail of one event: a plain UPDATE, not bulk_update's CASE per column
            rows[0].save(update_fields=fields)
        else:
            SentEmail.objects.bulk_update(rows, fields)
        for email in rows:
            if email.sent_at is not None:
                email_sent.send(sender=SentEmail, email=email)
    return rows, first_error


def _deliver(emails: list[SentEmail]) -> dict[int, Exception]:
    """Build, render and send `emails`, setting `recipients` and `language` on each; the failures by id.

    Per batch, not per e-mail: one query per kind that has a batch builder, one for the recipients,
    each template looked up once, one SMTP connection for all the messages (`send_messages`).
    """
    failures: dict[int, Exception] = {}
    specs: dict[int, EmailSpec] = {}
    for kind in {email.kind for email in emails}:
        built = _specs(kind, [email.object_id for email in emails if email.kind == kind])
        for email in emails:
            if email.kind == kind:
                outcome = built[email.object_id]
                if isinstance(outcome, Exception):
                    failures[email.pk] = outcome
                else:
                    specs[email.pk] = outcome
    recipients: dict[int, list[str]] = {}
    for customer_id, address in (
        User.objects.filter(
            customer_id__in={spec.customer.pk for spec in specs.values() if spec.to is None},
            is_active=True,
            role=Role.CUSTOMER,
        )
        .order_by("id")
        .values_list("customer_id", "email")
    ):
        recipients.setdefault(customer_id, []).append(address)
    templates: dict = {}
    mail, down = None, None
    try:
        for email in emails:
            spec = specs.get(email.pk)
            if spec is None:
                continue
            if spec.to is None:
                to = recipients.get(spec.customer.pk, [])
                email.language = spec.customer.language or settings.LANGUAGE_CODE
            else:
                to, email.language = list(spec.to), spec.language or settings.LANGUAGE_CODE
            email.recipients = ",".join(to)
            if not to:
                continue  # an account with no users yet: nothing to send, nothing to retry
            if down is not None:
                failures[email.pk] = down  # the server did not answer for this batch: retried later
                continue
            try:
                message = _render(spec, language=email.language, to=to, templates=templates)
            except Exception as exc:  # noqa: BLE001 - recorded on its row; the others still go
                failures[email.pk] = exc
                continue
            if mail is None:
                try:
                    # Opened here, send_messages leaves it open: one connection for the whole batch.
                    mail = get_connection()
                    mail.open()
                except Exception as exc:  # noqa: BLE001 - recorded on the rows
                    failures[email.pk] = down = exc
                    mail = None
                    continue
            try:
                mail.send_messages([message])
            except Exception as exc:  # noqa: BLE001 - recorded on its row; the others still go
                failures[email.pk] = exc
                mail.close()  # a connection that failed is opened anew for the next message
                mail = None
    finally:
        if mail is not None:
            mail.close()
    return failures


def _specs(kind: str, object_ids: list[int]) -> dict[int, EmailSpec | Exception]:
    """Each object's spec, or what failed building it."""
    batch = _BATCH_BUILDERS.get(kind)
    if batch is not None:
        built: dict[int, EmailSpec | Exception] = dict(batch(object_ids))
        for object_id in object_ids:
            built.setdefault(object_id, LookupError(f"{kind} {object_id} does not exist"))
        return built
    specs: dict[int, EmailSpec | Exception] = {}
    for object_id in object_ids:
        try:
            specs[object_id] = _BUILDERS[kind](object_id)
        except Exception as exc:  # noqa: BLE001 - recorded on its row, like a failed send
            specs[object_id] = exc
    return specs


def _render(spec: EmailSpec, *, language: str, to: list[str], templates: dict) -> EmailMultiAlternatives:
    with translation.override(language):
        context = {"customer": spec.customer, **spec.context}
        subject = str(spec.subject) % spec.context
        text = _template(f"{spec.template}.txt", templates).render(context)
        html = _template(f"{spec.template}.html", templates).render(context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, reply_to=list(spec.reply_to), headers=spec.headers
    )
    message.attach_alternative(html, "text/html")
    return message


def _template(name: str, templates: dict):
    # Compiled once per process by Django's cached loader; looked up once per batch here.
    if name not in templates:
        templates[name] = get_template(name)
    return templates[name]
