"""A refusal's ban is applied by a Celery task after commit: with a real worker on Redis within seconds,
and with the broker down at that moment by the next sweep. Eager mode is not used here on purpose:
it would hide a task that runs before its transaction commits."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Customer
from billing.models import BanEvent
from config.celery import app as celery_app
from diagnostics.tasks import deadlines_enforce
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def redis_answers() -> bool:
    url = urlsplit(settings.CELERY_BROKER_URL)
    if url.scheme != "redis":
        return False
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(
    "not redis_answers()", reason="needs Redis as CELERY_BROKER_URL (bin/test-env or CI sets it) for a real worker"
)


def reset_broker_connections():
    # The app keeps a pool of broker connections: drop it, so the next publish uses the broker URL now set.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """The broker unreachable: a closed port on this machine."""
    # Celery reads CELERY_BROKER_URL from the environment before its configuration: without this the
    # tasks went on flowing into the real Redis (bin/test-env and CI set the variable).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    reset_broker_connections()
    yield
    celery_app.conf.broker_url = previous
    monkeypatch.undo()
    reset_broker_connections()


def test_refusal_succeeds_with_the_broker_down_and_the_next_sweep_applies_the_ban(broker_down, customer, invoice):
    started = time.monotonic()
    response = client_for(customer).post(f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "no"}, format="json")
    assert response.status_code == 200
    assert time.monotonic() - started < 5  # publishing fails fast instead of hanging the request
    assert response.json()["status"] == "refused"
    assert Customer.objects.get(pk=customer.customer_id).support_status == "active"
    assert BanEvent.objects.get().applied_at is None

    done = deadlines_enforce()  # the broker is still down: the sweep needs none

    assert done["bans_apply_pending"] == 1
    account = Customer.objects.get(pk=customer.customer_id)
    assert (account.support_status, account.ban_reason) == ("banned", "refused_invoice")


@pytest.fixture
def worker(tmp_path):
    """A real `celery -A config worker` on a queue of its own, connected to this test's database."""
    queue = f"test-billing-{uuid.uuid4().hex}"
    # Its own queue: no other worker on this Redis takes these tasks, and it takes no one else's.
    previous_routes = celery_app.conf.task_routes
    celery_app.conf.update(task_routes={"billing.tasks.*": {"queue": queue}})  # rebuilds the router
    db = connection.settings_dict
    database_url = (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}"
                    f":{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool=solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=Path(settings.BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert "ready." in log.read_text(), log.read_text()
        yield log
    finally:
        celery_app.conf.update(task_routes=previous_routes)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@needs_redis
@pytest.mark.worker
def test_a_real_worker_applies_the_ban_within_seconds_of_the_refusal(worker, customer, invoice):
    response = client_for(customer).post(f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "no"}, format="json")
    assert response.status_code == 200
    refused_at = time.monotonic()
    while time.monotonic() - refused_at < 10 and not Customer.objects.get(pk=customer.customer_id).is_banned:
        time.sleep(0.1)
    assert Customer.objects.get(pk=customer.customer_id).ban_reason == "refused_invoice", worker.read_text()
    assert BanEvent.objects.get().applied_at is not None
    assert "billing.tasks.ban_apply_task" in worker.read_text()
