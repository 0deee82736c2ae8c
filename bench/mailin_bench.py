#!/usr/bin/env python3
"""E-mail in throughput: `python bench/mailin_bench.py` (see docs/performance.md). Target (issue 16): 1,000
messages received in under 60 s.

Starts a dovecot of its own (tests/mailin/dovecot.py: Debian's dovecot-imapd, a free loopback port),
delivers 1,000 messages into its INBOX over IMAP APPEND, and times one poll receiving them all
(`mailin.imap.mailbox_poll`, the beat task's code: fetch, parse, dedup, act, mark seen) against PostgreSQL
with a real Redis broker. The mix is what a desk receives: replies to tickets (one in ten with a PNG, one
in five in HTML with quoted history), new questions, auto-replies, another account's sender on a valid
reply address, unknown senders, and messages delivered twice. Then it times the MTA pipe's command in a
process of its own per message, as an MTA runs it.

By default it creates (and drops first) the database `incident_bench_mailin` on BENCH_PG; with
`--database-url` it uses that one (bench/run.py passes the 1,000,000-ticket bench database), adding its own
accounts. No SMTP: e-mails are recorded in the outbox, not sent. Prints one JSON line and a table.
"""
# ruff: noqa: S603, S607, S608 - a developer tool: it runs local programs and fixed SQL on its own database.

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "incident_bench_mailin"
TARGET_SECONDS, MESSAGES = 60, 1000


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_SERVER}/postgres", "-qAtX", "-c", sql], check=True, capture_output=True)


def _env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/7"),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL": "false",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DJANGO_MAILIN_REPLY_DOMAIN": "desk.example.com",
            "DJANGO_RATE_LIMIT_MULTIPLIER": "0",
        }
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="use this database (migrated) instead of a fresh one")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--pipe-samples", type=int, default=5, help="messages piped through the command")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args)
    database_url = args.database_url
    if database_url is None:
        _psql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        _psql(f'CREATE DATABASE "{DB_NAME}"')
        database_url = f"{PG_SERVER}/{DB_NAME}"
    env = _env(database_url)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "--skip-checks", "-v0"], cwd=ROOT, env=env, check=True
    )
    command = [PY, __file__, "--inner", "--messages", str(args.messages)]
    command += ["--pipe-samples", str(args.pipe_samples)]
    sys.exit(subprocess.run(command, cwd=ROOT, env=env).returncode)


def inner(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count

    from mailin.imap import mailbox_poll
    from mailin.models import InboundEmail
    from tests.mailin.dovecot import start_dovecot

    messages, tickets = build_messages(args.messages)
    mailbox, stop = start_dovecot()
    try:
        settings.MAILIN_IMAP_HOST, settings.MAILIN_IMAP_PORT = mailbox.host, mailbox.port
        settings.MAILIN_IMAP_SSL = False
        settings.MAILIN_IMAP_USER, settings.MAILIN_IMAP_PASSWORD = mailbox.user, mailbox.password
        started = time.monotonic()
        mailbox.deliver(*messages)
        delivered = time.monotonic() - started
        before = InboundEmail.objects.count()
        started = time.monotonic()
        read = mailbox_poll(limit=len(messages))
        seconds = time.monotonic() - started
        unseen = mailbox.unseen()
    finally:
        stop()
    outcomes = dict(
        InboundEmail.objects.filter(pk__gt=0)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    pipe = pipe_times(args.pipe_samples, tickets)
    result = {
        "messages": len(messages),
        "read": read,
        "recorded": InboundEmail.objects.count() - before,
        "unseen_after": unseen,
        "outcomes": outcomes,
        "append_seconds": round(delivered, 1),
        "poll_seconds": round(seconds, 1),
        "ms_each": round(seconds * 1000 / max(read, 1), 1),
        "pipe_ms_median": pipe,
        "target_seconds": TARGET_SECONDS,
        "meets_target": seconds < TARGET_SECONDS and unseen == 0,
    }
    print(json.dumps(result))
    print(
        f"\n| messages | one IMAP poll | per message | records (dedup) | pipe command, per message | target |\n"
        f"|---|---|---|---|---|---|\n"
        f"| {len(messages):,} | {seconds:.1f} s | {result['ms_each']} ms | {result['recorded']:,} | "
        f"{pipe} ms (a process each) | < {TARGET_SECONDS} s: {'met' if result['meets_target'] else 'MISSED'} |"
    )


def build_messages(count: int) -> tuple[list[bytes], list]:
    """`count` messages of the desk's usual mix, and the tickets they reply to."""
    from accounts.models import Role
    from tests.factories import CustomerFactory, UserFactory
    from tests.mailin.conftest import mail, reply_to
    from tickets.services import ticket_open

    run = int(time.time())
    accounts = [
        CustomerFactory(name=f"Mailin bench {run} {n}", country="FR", language="fr") for n in range(20)
    ]
    users = [
        UserFactory(email=f"mailin-bench-{run}-{n}@example.fr", role=Role.CUSTOMER, customer=account)
        for n, account in enumerate(accounts)
    ]
    tickets = [
        ticket_open(by=user, kind="technical", subject=f"Question {n}", description="Bench")
        for n, user in enumerate(users)
        for _ in range(5)
    ]
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200  # about 50 kB
    quoted = (
        "\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@desk.example.com> wrote:\n" + "> earlier\n" * 40
    )
    made: list[bytes] = []
    for n in range(count):
        ticket = tickets[n % len(tickets)]
        owner = ticket.opened_by.email
        slot = n % 20
        if slot < 12:  # replies: some with a screenshot, some in HTML
            files = (("screen.png", png, "image/png"),) if slot == 0 else ()
            html = (
                f"<p>Reply {n}</p><script>alert(1)</script><blockquote>old</blockquote>"
                if slot in (1, 2)
                else None
            )
            made.append(
                reply_to(
                    ticket, sender=owner, body=f"Reply {n}: the site is back.{quoted}", html=html, files=files
                )
            )
        elif slot < 15:  # new questions
            made.append(
                mail(sender=users[n % len(users)].email, subject=f"New question {n}", body="How do I…?")
            )
        elif slot < 17:  # auto-replies
            made.append(reply_to(ticket, sender=owner, headers={"Auto-Submitted": "auto-replied"}))
        elif slot == 17:  # another account's user on a valid reply address
            made.append(reply_to(ticket, sender=users[(n + 1) % len(users)].email))
        elif slot == 18:  # strangers
            made.append(mail(sender=f"stranger{n}@example.org"))
        else:  # delivered twice
            made.append(made[-1])
    return made, tickets


def pipe_times(samples: int, tickets) -> float | None:
    """The median wall time of `manage.py mailin_receive` per message, a process each (as an MTA runs it)."""
    from tests.mailin.conftest import reply_to

    times = []
    for n in range(samples):
        ticket = tickets[n]
        raw = reply_to(ticket, sender=ticket.opened_by.email, body=f"Piped {n}")
        started = time.monotonic()
        subprocess.run(
            [PY, "manage.py", "mailin_receive"], cwd=ROOT, input=raw, capture_output=True, check=True
        )
        times.append((time.monotonic() - started) * 1000)
    return round(statistics.median(times)) if times else None


if __name__ == "__main__":
    main()
