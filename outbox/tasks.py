"""Celery entry points of the outbox, and its deadline sweep (run hourly and by `enforce_deadlines`)."""

from datetime import datetime

from celery import shared_task

from config.celery import RETRYING_TASK
from outbox import services

# These tasks were named `billing.tasks.*` until the outbox had an app of its own, and the per-e-mail
# `email_send_task` of earlier releases is gone. Messages a broker still holds under an old name are
# harmless: a worker rejects them as unregistered, their e-mails stay pending in the outbox, and the
# hourly sweep (`emails_send_pending`) sends every pending row once its grace period is over (the relay
# flag of a rejected relay expires within a minute).


@shared_task(**RETRYING_TASK)
def emails_relay_task() -> int:
    """The e-mails of single events recorded since the last relay (services.email_queue)."""
    return services.emails_relay()


@shared_task(**RETRYING_TASK)
def emails_send_task(kind: str, object_ids: list[int]) -> int:
    """The e-mails one transaction of a sweep recorded (a chunk's ban notices), relayed from the outbox.

    Idempotent: what has gone is skipped. A failure is recorded on its row and retried with backoff,
    only the e-mails still pending; what the retries do not send, the hourly sweep does after its grace.
    """
    return services.emails_send(kind=kind, object_ids=object_ids)


def emails_send_pending(*, now: datetime) -> int:
    """Send the recorded e-mails still pending after a grace period (their task was lost: broker down,
    worker killed; or failed attempts to retry), in batches. Younger ones are their task's to send."""
    return services.emails_send_overdue(now=now)
