"""The Celery app `config`: `celery -A config worker` and `celery -A config beat` (run one beat only).

Every periodic task is listed here, once, with its cadence in words. Long deadlines are date fields
swept by these tasks, never countdown or eta tasks (Redis redelivers those in a loop).
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, task_postrun, task_prerun
from django.conf import settings

# Its signal handlers: the request id travels with each task, and workers log as the web does.
import config.logs  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every hour, at five past: lapse invoices left unpaid after their due day and ban their accounts,
    # apply any ban still pending (a refusal made while the broker was down), expire quotes past their
    # validity (billing the fee), send payment reminders 7 days and 1 day before the due day, send any
    # e-mail still waiting. The same code as `python manage.py enforce_deadlines`.
    "enforce-deadlines-hourly": {
        "task": "ops.tasks.deadlines_enforce_task",
        "schedule": crontab(minute=5),
    },
    # Every five minutes: render the PDFs of invoices, credit notes and quotes issued more than ten
    # minutes ago that still have none (their after-commit task was lost; REL-12).
    "render-missing-invoice-pdfs": {
        "task": "billing.tasks.documents_render_missing_task",
        "schedule": crontab(minute="*/5"),
    },
    "render-missing-quote-pdfs": {
        "task": "quotes.tasks.quote_documents_render_missing_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every DJANGO_MAILIN_POLL_SECONDS (a minute by default): receive the support mailbox's new messages
    # over IMAP (replies to tickets, new questions); does nothing while no IMAP host is configured.
    "poll-support-mailbox": {
        "task": "mailin.tasks.mailbox_poll_task",
        "schedule": timedelta(seconds=settings.MAILIN_POLL_SECONDS),
        "options": {"expires": settings.MAILIN_POLL_SECONDS},  # a poll that waited past the next is dropped
    },
    # Every day at 03:30: forget the answers stored for Idempotency-Key headers older than 24 hours.
    "purge-idempotency-records-daily": {
        "task": "accounts.tasks.idempotency_records_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Every day at 03:40: delete API tokens past their expiry.
    "purge-expired-api-tokens-daily": {
        "task": "accounts.tasks.expired_tokens_purge_task",
        "schedule": crontab(hour=3, minute=40),
    },
}

# The options of every task that does something outside the database (e-mail, bans after commit):
# each is idempotent, so it is retried with exponential backoff (30 s, 1 min, 2 min, ... at most 10
# min apart, with jitter), 8 times; what is still undone then is the hourly sweep's.
RETRYING_TASK = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs) -> None:
    # A worker is not a request: without this, a connection the database dropped (or one older than
    # CONN_MAX_AGE) would fail the next task (REL-13). A task run eagerly runs inside its caller's
    # request or transaction, whose connection is not the task's to close.
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


@beat_init.connect
def _one_beat(sender=None, **kwargs) -> None:
    # Exactly one beat (docs/scaling.md, "Workers and beat"): a second one exits here, before its first tick.
    from config.beat_lock import beat_lock_take

    beat_lock_take(sender)
