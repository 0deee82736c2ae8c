"""What `manage.py enforce_deadlines` runs, timed sweep by sweep, for bench/run.py.

The same list of sweeps (diagnostics.tasks.DEADLINE_SWEEPS), in the same order, with the same `now`, as
`deadlines_enforce()`; it prints one JSON line: each sweep's count and seconds, and the total.

With `--email-sample N`, the e-mail step (emails_send_pending: one e-mail at a time, rendered and sent)
sends only the first N pending e-mails through the same per-e-mail function, and its time for all of
them is extrapolated from that rate; the report says so. 100,000 ban e-mails sent one by one take
longer than every other step together, and three runs of that do not fit in a benchmark session.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from billing import notifications  # noqa: E402
from billing import tasks as billing_tasks  # noqa: E402
from diagnostics.tasks import DEADLINE_SWEEPS  # noqa: E402


def emails_sample(*, limit: int) -> dict:
    pending = list(notifications.emails_pending().values_list("kind", "object_id"))
    begun = time.monotonic()
    for kind, object_id in pending[:limit]:
        notifications.email_send(kind=kind, object_id=object_id)
    seconds = time.monotonic() - begun
    sent = min(limit, len(pending))
    return {"sweep": "emails_send_pending", "count": len(pending), "sampled": sent,
            "seconds": round(seconds * len(pending) / sent, 2) if sent else 0.0, "extrapolated": sent < len(pending)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--email-sample", type=int, default=0)
    args = parser.parse_args()
    now = timezone.now()
    sweeps, started = [], time.monotonic()
    for sweep in DEADLINE_SWEEPS:
        begun = time.monotonic()
        if sweep is billing_tasks.emails_send_pending and args.email_sample:
            sweeps.append(emails_sample(limit=args.email_sample))
        else:
            count = sweep(now=now)
            sweeps.append({"sweep": sweep.__name__, "count": count, "seconds": round(time.monotonic() - begun, 2)})
        print(f"{sweeps[-1]['sweep']}: {sweeps[-1]['count']} in {time.monotonic() - begun:.1f} s", flush=True)
    print("DEADLINES_JSON " + json.dumps({"sweeps": sweeps, "seconds": round(sum(s["seconds"] for s in sweeps), 2),
                                          "wall": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main()
