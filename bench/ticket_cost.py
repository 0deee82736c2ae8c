"""What one ticket costs the machines: `python bench/ticket_cost.py [-n 40]`, with the bench database's
environment (DATABASE_URL of `python bench/run.py`'s database; docs/scaling.md uses the figures).

Plays n tickets' whole lives through the API in this process (Django's test client through the whole
middleware stack, no network), as the customer, an agent and finance would: the incident opened and read,
the diagnosis started, a message each way, the diagnosis concluded (fixed: the fee is invoiced), the
invoice and its PDF read by the customer, the payment recorded by finance. The Celery tasks these steps
schedule run eagerly in this process (the e-mails, built and handed to Django's locmem backend; the
invoice's PDF), timed apart through the task signals, so each figure is either the web's or a worker's.

For each step: wall time and CPU ms of this process (the web node's share) and of the PostgreSQL backend
serving it (its /proc/<pid>/schedstat: nanoseconds on a CPU, so the server must be on this machine), the
mean over the tickets after a warm-up; then the tasks' CPU per ticket, by task. Prints markdown.
"""
# ruff: noqa: E402 - Django is set up before the app's modules are imported.

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL", "false")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# The seeded entities are demo data: they may issue here, on the bench's own database only.
os.environ.setdefault("DJANGO_DEMO_ENTITIES_MAY_ISSUE", "true")
# The limits are counted (their Redis round trip is part of the cost) but never reached.
os.environ.setdefault("DJANGO_RATE_LIMIT_MULTIPLIER", "1000000")

import django

django.setup()

from celery.signals import task_postrun, task_prerun
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Customer, Role, User
from billing.models import Invoice
from config.celery import app

API = "/api/v1"


def backend_cpu_ns() -> int:
    """CPU time of the PostgreSQL backend of this process's connection, in nanoseconds."""
    if not hasattr(backend_cpu_ns, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_cpu_ns.pid = cursor.fetchone()[0]  # type: ignore[attr-defined]
    return int(Path(f"/proc/{backend_cpu_ns.pid}/schedstat").read_text().split()[0])  # type: ignore[attr-defined]


def database_bytes() -> int:
    """The database's size on disk, tables and indexes (the write-ahead log belongs to the whole cluster,
    shared with whatever else the server runs: not measured)."""
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # the new pages reach their files
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def cpu_now() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), backend_cpu_ns() / 1e9


class Tasks:
    """The CPU the eagerly run tasks used, by task name, taken out of the step that scheduled them."""

    def __init__(self) -> None:
        self.depth = 0
        self.started: tuple[float, float, float] | None = None
        self.spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])  # wall, CPU, db, runs
        self.total = [0.0, 0.0, 0.0]

    def begin(self, task=None, **kwargs) -> None:
        self.depth += 1
        if self.depth == 1:
            self.started = cpu_now()

    def end(self, task=None, **kwargs) -> None:
        self.depth -= 1
        if self.depth == 0 and self.started is not None:
            used = [b - a for a, b in zip(self.started, cpu_now(), strict=True)]
            for i in range(3):
                self.spent[task.name][i] += used[i]
                self.total[i] += used[i]
            self.spent[task.name][3] += 1


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def expect(response, status: int):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response


def one_ticket(customer, agent, finance, step) -> None:
    ticket = step(
        "customer opens an incident",
        lambda: expect(
            customer.post(
                f"{API}/tickets/",
                {
                    "kind": "incident",
                    "subject": "Site down",
                    "description": "502 since 9:00",
                    "accept_diagnosis_fee": True,
                },
                format="json",
            ),
            201,
        ).json(),
    )
    tid = ticket["id"]
    step("customer reads the ticket", lambda: expect(customer.get(f"{API}/tickets/{tid}/"), 200))
    step(
        "agent starts the diagnosis", lambda: expect(agent.post(f"{API}/tickets/{tid}/start-diagnosis/"), 200)
    )
    step(
        "agent writes a message",
        lambda: expect(
            agent.post(f"{API}/tickets/{tid}/messages/", {"body": "Looking at it."}, format="json"), 201
        ),
    )
    step(
        "customer answers",
        lambda: expect(
            customer.post(f"{API}/tickets/{tid}/messages/", {"body": "Thanks!"}, format="json"), 201
        ),
    )
    step(
        "agent concludes (fixed: invoiced)",
        lambda: expect(
            agent.post(
                f"{API}/tickets/{tid}/conclude-diagnosis/",
                {"findings": "A full disk; cleaned.", "outcome": "fixed"},
                format="json",
            ),
            200,
        ),
    )
    invoice = Invoice.objects.get(ticket_id=tid)
    step("customer reads the invoice", lambda: expect(customer.get(f"{API}/invoices/{invoice.pk}/"), 200))
    step("customer downloads its PDF", lambda: expect(customer.get(f"{API}/invoices/{invoice.pk}/pdf/"), 200))
    step(
        "finance records the payment",
        lambda: expect(
            finance.post(
                f"{API}/invoices/{invoice.pk}/payments/",
                {
                    "amount": str(invoice.gross.quantize(Decimal("0.01"))),
                    "received_on": timezone.localdate().isoformat(),
                },
                format="json",
            ),
            201,
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=40, help="tickets measured")
    parser.add_argument("--warmup", type=int, default=3, help="tickets played first and not counted")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("needs the bench's PostgreSQL on this machine (DATABASE_URL)")

    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    tasks = Tasks()
    task_prerun.connect(tasks.begin, weak=False)
    task_postrun.connect(tasks.end, weak=False)

    account = Customer.objects.filter(
        support_status="active", users__role=Role.CUSTOMER, country="FR"
    ).first()
    customer = client_for(User.objects.filter(customer=account, role=Role.CUSTOMER).first())
    agent = client_for(User.objects.filter(role=Role.AGENT, is_active=True).first())
    finance = client_for(User.objects.filter(role=Role.FINANCE, is_active=True).first())

    steps: dict[str, list[list[float]]] = defaultdict(list)  # name → [wall, web, db] per ticket
    measuring = False

    def step(name, call):
        tasks_before = list(tasks.total)
        before = cpu_now()
        result = call()
        after = cpu_now()
        if measuring:
            in_tasks = [b - a for a, b in zip(tasks_before, tasks.total, strict=True)]
            steps[name].append([(b - a) - t for a, b, t in zip(before, after, in_tasks, strict=True)])
        return result

    for _ in range(args.warmup):
        one_ticket(customer, agent, finance, step)
    measuring = True
    tasks.spent.clear()
    tasks.total = [0.0, 0.0, 0.0]
    started, size_before = time.perf_counter(), database_bytes()
    for _ in range(args.n):
        one_ticket(customer, agent, finance, step)
    elapsed, grown = time.perf_counter() - started, database_bytes() - size_before

    def ms(values: list[float]) -> str:
        return f"{statistics.mean(values) * 1000:.1f}"

    print(
        f"{args.n} tickets after {args.warmup} warm-up ones, in {elapsed:.1f} s; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}\n"
    )
    print("| step (one request each) | wall ms | web CPU ms | DB CPU ms |")
    print("|---|---:|---:|---:|")
    totals = [0.0, 0.0, 0.0]
    for name, runs in steps.items():
        columns = list(zip(*runs, strict=True))
        print(f"| {name} | {ms(list(columns[0]))} | {ms(list(columns[1]))} | {ms(list(columns[2]))} |")
        for i in range(3):
            totals[i] += statistics.mean(columns[i])
    print(
        f"| **the {len(steps)} requests of one ticket** | {totals[0] * 1000:.0f} | {totals[1] * 1000:.0f} | {totals[2] * 1000:.0f} |"
    )
    print(
        "\n| Celery task | runs per ticket | wall ms per ticket | worker CPU ms per ticket | DB CPU ms per ticket |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, (wall, web, db, runs) in sorted(tasks.spent.items()):
        print(
            f"| {name} | {runs / args.n:.2f} | {wall / args.n * 1000:.1f} | {web / args.n * 1000:.1f} | {db / args.n * 1000:.1f} |"
        )
    wall, web, db = tasks.total
    print(
        f"| **all tasks of one ticket** | | {wall / args.n * 1000:.0f} | {web / args.n * 1000:.0f} | {db / args.n * 1000:.0f} |"
    )

    print(
        f"\nThe database grew by {grown / args.n / 1024:.0f} KiB per ticket (tables and indexes, its PDF included)."
    )


if __name__ == "__main__":
    main()
