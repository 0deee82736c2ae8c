"""Failures of the things around the app: the broker, a worker process, the database.

- Redis unreachable while customers open tickets and refuse invoices (CELERY_BROKER_URL pointed at a
  closed port; the shared Redis server is left alone): the requests succeed at once, and the sweep
  later does each pending effect exactly once, however often it runs.
- A worker process killed mid-task, twice: the task is redelivered (acks_late,
  task_reject_on_worker_lost) and its effect, an e-mail, happens exactly once.
- A database connection dropped under the web app or a worker: the next request or task reconnects
  (CONN_HEALTH_CHECKS; close_old_connections around each task), no restart needed (REL-13).
- The database down: every request fails fast with a 503, JSON under /api/ (REL-14), /health/ says
  "down"; with the broker down /health/ says "degraded" (REL-15); both recover by themselves.
"""

import os
import signal
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from celery.signals import task_prerun
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client
from django.utils import timezone

from accounts.models import Customer
from billing.models import BanEvent
from config.celery import app as celery_app
from ops.sweeps import deadlines_enforce
from outbox.models import SentEmail
from outbox.services import EMAIL_GRACE
from tests.celery_worker import needs_redis, redis_answers, worker_process  # noqa: F401 - the skip condition's name
from tests.workflow import API, client_for, diagnosed, open_incident
from tickets.models import Ticket
from tickets.notifications import TICKET_OPENED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def reset_broker_connections():
    # The app pools broker connections: drop the pool so the next publish uses the URL set now.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    """The broker unreachable: a closed port on this machine (the shared Redis keeps running).

    Celery reads CELERY_BROKER_URL from the environment before its own configuration, so setting
    `conf.broker_url` alone would leave the tasks flowing into the real Redis.
    """
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
    monkeypatch.setattr(celery_app.conf, "broker_url", CLOSED_PORT)
    reset_broker_connections()
    assert celery_app.conf.broker_write_url == CLOSED_PORT
    yield
    monkeypatch.undo()
    reset_broker_connections()


# The broker down ---------------------------------------------------------------------------------------


def test_tickets_open_with_the_broker_down_and_their_mail_goes_once_with_the_sweep(broker_down, customer):
    started = time.monotonic()
    tickets = [open_incident(customer, subject=f"Down {n}") for n in range(3)]
    assert time.monotonic() - started < 10  # each publish fails fast instead of hanging the request
    assert Ticket.objects.filter(customer=customer.customer).count() == 3
    pending = SentEmail.objects.filter(kind=TICKET_OPENED, sent_at__isnull=True)  # the task was not published
    assert pending.count() == 3 and not mail.outbox

    deadlines_enforce()  # within their grace period the e-mails are their tasks' to send
    assert pending.count() == 3
    with time_machine.travel(timezone.now() + EMAIL_GRACE + timedelta(minutes=1), tick=False):
        deadlines_enforce()
        deadlines_enforce()  # a second run (or the task arriving late) sends nothing twice

    assert not pending.exists()
    opened = [m for m in mail.outbox if any(str(t["id"]) in m.subject + m.body for t in tickets)]
    assert len(opened) == 3


def test_a_refusal_with_the_broker_down_bans_once_with_the_sweep(broker_down, customer, agent):
    invoice_id = diagnosed(customer, agent, "fixed")["invoices"][0]
    response = client_for(customer).post(
        f"{API}/invoices/{invoice_id}/refuse/", {"reason": "no"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "refused"

    for _ in range(3):
        deadlines_enforce()

    account = Customer.objects.get(pk=customer.customer_id)
    assert (account.support_status, account.ban_reason) == ("banned", "refused_invoice")
    assert BanEvent.objects.filter(customer=account, kind="ban").count() == 1
    assert SentEmail.objects.filter(kind="account_banned").count() == 1


# A worker killed mid-task --------------------------------------------------------------------------------


class HangingSmtpServer:
    """An SMTP server on loopback whose first `hang` connections never answer (the worker blocks in
    the send, and is killed there); later ones accept mail. It counts complete messages."""

    def __init__(self, hang: int):
        self.hang, self.connections, self.messages = hang, 0, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.connections <= self.hang:
                self.held.append(conn)  # silent: smtplib waits for the greeting
                continue
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn):
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 fake\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    for body_line in lines:
                        if body_line == b".\r\n":
                            break
                    self.messages += 1
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def wait_for(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


@pytest.fixture
def smtp():
    server = HangingSmtpServer(hang=2)
    yield server
    server.close()


@pytest.fixture
def prefork_worker(tmp_path, smtp):
    """`celery -A config worker` with one prefork child, on a queue of its own, on this test database,
    sending mail to the hanging SMTP server."""
    env = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
    }
    pool = ("--pool=prefork", "--concurrency=1")
    log = tmp_path / "worker.log"
    with worker_process(log=log, tasks=["outbox.tasks.*"], pool=pool, env=env) as process:
        yield process, log


@needs_redis
@pytest.mark.worker
def test_a_worker_killed_twice_mid_send_still_sends_the_mail_exactly_once(prefork_worker, smtp, customer):
    process, log = prefork_worker
    ticket = open_incident(customer)  # commits, then queues the "ticket opened" e-mail task
    for kill in (1, 2):
        wait_for(lambda kill=kill: smtp.connections >= kill, 30, f"send attempt {kill}", log)
        [child] = children_of(process.pid)
        os.kill(child, signal.SIGKILL)  # mid-task: blocked in the SMTP greeting
    email = SentEmail.objects.filter(kind=TICKET_OPENED, object_id=ticket["id"])
    wait_for(lambda: email.filter(sent_at__isnull=False).exists(), 60, "delivery after redelivery", log)
    time.sleep(1)  # a duplicate would arrive now
    assert smtp.messages == 1
    assert smtp.connections == 3
    assert email.get().attempts == 1  # the killed attempts' transactions were rolled back
    assert log.read_text().count("WorkerLostError") >= 2


# The database --------------------------------------------------------------------------------------------


def test_the_web_app_reconnects_after_its_database_connection_is_cut(customer):
    from werkzeug.test import Client as WsgiClient

    from accounts.tokens import token_issue
    from config.wsgi import application

    # The real WSGI handler, as gunicorn runs it: its request signals check the persistent connection.
    web = WsgiClient(application)
    headers = {"Authorization": f"Token {token_issue(customer)[0]}"}
    assert web.get(f"{API}/me/", headers=headers).status_code == 200
    victim = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [victim])  # a PostgreSQL restart, for this app
    finally:
        other.close()
    response = web.get(f"{API}/me/", headers=headers)
    assert response.status_code == 200, response.get_data()
    assert response.json["email"] == customer.email
    assert connection.connection.info.backend_pid != victim


def test_a_worker_reconnects_before_its_next_task_after_the_connection_is_cut(db):
    result = {}

    def worker_thread():
        # A worker process: its own connection, kept between tasks.
        Customer.objects.count()
        result["pid"] = connection.connection.info.backend_pid
        result["cut"].wait(10)
        task_prerun.send(sender=None, task_id="t", task=None)  # what Celery sends before each task
        try:
            result["count"] = Customer.objects.count()
        except OperationalError as exc:
            result["error"] = exc
        finally:
            connection.close()

    result["cut"] = threading.Event()
    thread = threading.Thread(target=worker_thread)
    thread.start()
    while "pid" not in result:
        time.sleep(0.05)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [result["pid"]])
    result["cut"].set()
    thread.join(20)
    assert "error" not in result, result.get("error")
    assert result["count"] >= 0


def test_with_the_database_down_the_api_answers_503_fast_and_recovers(customer):
    from accounts.tokens import token_issue

    token = token_issue(customer)[0]
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")
    client.force_login(customer)  # the portal reads the session from the database
    with mock.patch.object(
        DatabaseWrapper,
        "get_new_connection",
        side_effect=OperationalError("connection refused (database down for the test)"),
    ):
        connection.close()
        started = time.monotonic()
        api = client.get(f"{API}/me/")
        portal = client.get("/customer/")
        health = Client(raise_request_exception=False).get("/health/")  # a probe sends no cookie
        assert time.monotonic() - started < 5
    connection.close()
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert set(api.json()) == {"detail"}
    assert portal.status_code == 503 and "Traceback" not in portal.content.decode()
    assert health.status_code == 503 and health.json()["status"] == "down"
    assert client.get(f"{API}/me/").status_code == 200  # no restart: the next request reconnects


def test_the_connect_timeout_bounds_a_request_to_five_seconds():
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 5
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_health_is_ok_then_degraded_without_the_broker_then_ok_again(client, monkeypatch):
    assert client.get("/health/").json() == {"status": "ok", "database": "ok", "broker": "ok"}
    with monkeypatch.context() as patch:
        patch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
        degraded = client.get("/health/")
    assert degraded.status_code == 200
    assert degraded.json() == {"status": "degraded", "database": "ok", "broker": "down"}
    assert client.get("/health/").json()["status"] == "ok"
