"""The PDF of an issued invoice is rendered by a real Celery worker after commit (dependencies.md
trap 2: eager mode would hide a task that runs before its row is committed), and the `pdf` queue is
one that a worker started without -Q consumes."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing.models import StoredDocument
from billing.services import LineSpec, invoice_issue
from billing.tasks import credit_note_pdf_render_task, documents_render_missing_task, invoice_pdf_render_task
from config.celery import app as celery_app
from quotes.tasks import quote_documents_render_missing_task, quote_pdf_render_task
from tests.billing.test_worker import needs_redis, redis_answers  # noqa: F401 - skipif evaluates it here

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def test_pdf_tasks_go_to_the_pdf_queue_that_a_plain_worker_consumes():
    tasks = [invoice_pdf_render_task, credit_note_pdf_render_task, quote_pdf_render_task,
             documents_render_missing_task, quote_documents_render_missing_task]

    assert {task.queue for task in tasks} == {"pdf"}
    assert {task.time_limit for task in tasks} <= {60, 300}
    # A worker started without -Q consumes every queue declared here.
    assert {"celery", "pdf"} <= set(celery_app.amqp.queues)


@pytest.fixture
def pdf_worker(tmp_path, monkeypatch):
    """A real `celery -A config worker` on a queue of its own, connected to this test's database.

    Its own queue, not `pdf`: other checkouts' tests share this Redis, and their PDF tasks are theirs.
    """
    queue = f"test-pdf-{uuid.uuid4().hex}"
    monkeypatch.setattr(invoice_pdf_render_task, "queue", queue)
    # Celery caches a task's options at its first call: drop them so the new queue is the one used.
    monkeypatch.setattr(invoice_pdf_render_task, "_exec_options", None)
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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@needs_redis
@pytest.mark.worker
def test_a_real_worker_stores_the_pdf_of_an_invoice_issued_a_moment_ago(pdf_worker, customer_account):
    with transaction.atomic():
        invoice = invoice_issue(customer=customer_account, service_date=timezone.localdate(), lines=[
            LineSpec(description="Incident diagnosis", quantity=Decimal("1"), unit_price=Decimal("20.00"))])
    issued_at = time.monotonic()
    stored = StoredDocument.objects.filter(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk)
    while time.monotonic() - issued_at < 20 and not stored.exists():
        time.sleep(0.1)

    assert stored.exists(), pdf_worker.read_text()
    assert bytes(stored.get().content).startswith(b"%PDF-")
    assert "billing.tasks.invoice_pdf_render_task" in pdf_worker.read_text()
