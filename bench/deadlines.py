"""What `manage.py enforce_deadlines` runs, timed sweep by sweep, for bench/run.py.

The same list of sweeps (ops.sweeps.DEADLINE_SWEEPS), in the same order, with the same `now`, as
`deadlines_enforce()`; it prints one JSON line: each sweep's count and seconds, the total, and the e-mails.

The ban e-mails a run records are relayed to the Celery workers, one task per chunk, as each chunk
commits; the sweep's own e-mail step sends inline only e-mails pending past their grace period (none
here). So two more figures, measured after the sweeps:

- the drain: how long the workers take to send every e-mail the run recorded (from the start of the run,
  and after the last sweep), polled once a second, up to `--drain-timeout` seconds;
- with `--email-sample N`, the inline path a lost task falls back to: N of those e-mails are put back as
  pending since an hour (as if their task had been lost), and the e-mail step is timed sending them.
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from ops.sweeps import DEADLINE_SWEEPS  # noqa: E402
from outbox import tasks as outbox_tasks  # noqa: E402
from outbox.models import SentEmail  # noqa: E402


def drain(*, since, started: float, sweeps_done: float, timeout: float) -> dict:
    """Wait until every e-mail recorded since `since` has gone (or is out of attempts); when that was."""
    recorded = SentEmail.objects.filter(created_at__gte=since)
    total = recorded.count()
    sent_during_sweeps = recorded.filter(sent_at__isnull=False).count()
    while (
        left := recorded.filter(sent_at__isnull=True, last_error="").count()
    ) and time.monotonic() - sweeps_done < timeout:
        time.sleep(1)
    done = time.monotonic()
    return {
        "recorded": total,
        "sent_during_sweeps": sent_during_sweeps,
        "left": left,
        "failed": recorded.exclude(last_error="").count(),
        "seconds_from_start": round(done - started, 1),
        "seconds_after_sweeps": round(done - sweeps_done, 1),
    }


def lost_sample(*, since, count: int) -> dict:
    """Put `count` sent e-mails back as pending since an hour (their task lost), and time the e-mail step."""
    ids = list(
        SentEmail.objects.filter(created_at__gte=since, sent_at__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    SentEmail.objects.filter(pk__in=ids).update(
        sent_at=None, attempts=0, created_at=timezone.now() - timedelta(hours=1)
    )
    begun = time.monotonic()
    sent = outbox_tasks.emails_send_pending(now=timezone.now())
    seconds = time.monotonic() - begun
    return {
        "count": sent,
        "seconds": round(seconds, 2),
        "ms_each": round(seconds * 1000 / sent, 2) if sent else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--email-sample", type=int, default=0, help="lost e-mails sent inline after the drain"
    )
    parser.add_argument("--drain-timeout", type=float, default=1800)
    args = parser.parse_args()
    now = timezone.now()
    sweeps, started = [], time.monotonic()
    for sweep in DEADLINE_SWEEPS:
        begun = time.monotonic()
        count = sweep(now=now)
        sweeps.append(
            {"sweep": sweep.__name__, "count": count, "seconds": round(time.monotonic() - begun, 2)}
        )
        print(f"{sweeps[-1]['sweep']}: {sweeps[-1]['count']} in {time.monotonic() - begun:.1f} s", flush=True)
    sweeps_done = time.monotonic()
    drained = drain(since=now, started=started, sweeps_done=sweeps_done, timeout=args.drain_timeout)
    print(f"e-mails relayed to the workers: {drained}", flush=True)
    lost = lost_sample(since=now, count=args.email_sample) if args.email_sample else None
    if lost:
        print(f"lost e-mails sent inline: {lost}", flush=True)
    print(
        "DEADLINES_JSON "
        + json.dumps(
            {
                "sweeps": sweeps,
                "seconds": round(sum(s["seconds"] for s in sweeps), 2),
                "wall": round(sweeps_done - started, 2),
                "drain": drained,
                "lost_sample": lost,
            }
        )
    )


if __name__ == "__main__":
    main()
