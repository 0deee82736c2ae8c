"""The hourly deadline sweep: every deadline of every app, in one list.

It lives in the top app because it calls into every app below it.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from billing import tasks as billing_tasks
from config.metrics import SWEEP_SECONDS
from consent import tasks as consent_tasks
from outbox import tasks as outbox_tasks
from quotes import tasks as quotes_tasks

logger = logging.getLogger(__name__)


# Every deadline sweep, in the order they run; each takes `now`, is idempotent and returns how many
# things it changed. Lapses come before bans so a lapse's ban is applied in the same run, and e-mails
# come last: those still pending after their grace period (their task was lost) are sent by it, while
# the ones this run recorded are the workers' (one task per chunk, after its commit). Add a new deadline here, nowhere else: the
# hourly task and `manage.py enforce_deadlines` both run this list.
DEADLINE_SWEEPS: list[Callable[..., int]] = [
    billing_tasks.invoices_lapse_overdue,
    billing_tasks.bans_apply_pending,
    quotes_tasks.quotes_expire_past_validity,
    consent_tasks.access_requests_expire,
    billing_tasks.invoice_reminders_send,
    outbox_tasks.emails_send_pending,
]


class SweepFailed(RuntimeError):
    """One or more sweeps failed; the others ran."""


def deadlines_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Run every sweep once; one sweep failing does not stop the others (the retry or next hour does it)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    failed: list[str] = []
    with SWEEP_SECONDS.time(sweep="deadlines_enforce"):
        for sweep in DEADLINE_SWEEPS:
            try:
                with SWEEP_SECONDS.time(sweep=sweep.__name__):
                    done[sweep.__name__] = sweep(now=now)
            except Exception:
                logger.exception("deadline sweep %s failed", sweep.__name__)
                failed.append(sweep.__name__)
    if failed:
        raise SweepFailed(", ".join(failed))
    return done
