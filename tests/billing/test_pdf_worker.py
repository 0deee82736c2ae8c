"""The PDF of an issued invoice is rendered by a real Celery worker after commit (dependencies.md
trap 2: eager mode would hide a task that runs before its row is committed), and the `pdf` queue is
one that a worker started without -Q consumes."""

import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from billing.services import LineSpec, invoice_issue
from billing.tasks import credit_notes_pdf_render_task, documents_render_missing_task, invoice_pdf_render_task
from config.celery import app as celery_app
from documents.models import StoredDocument
from documents.store import stored_document_bytes
from quotes.tasks import quote_documents_render_missing_task, quote_pdf_render_task
from tests.celery_worker import needs_redis, real_worker, redis_answers  # noqa: F401 - skipif evaluates it

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def test_pdf_tasks_go_to_the_pdf_queue_that_a_plain_worker_consumes():
    tasks = [
        invoice_pdf_render_task,
        credit_notes_pdf_render_task,
        quote_pdf_render_task,
        documents_render_missing_task,
        quote_documents_render_missing_task,
    ]

    router = celery_app.amqp.router
    assert {router.route(task._get_exec_options(), task.name)["queue"].name for task in tasks} == {"pdf"}
    assert {task.time_limit for task in tasks} <= {60, 300, 600}
    # A worker started without -Q consumes every queue declared here.
    assert {"celery", "pdf"} <= set(celery_app.amqp.queues)


@pytest.fixture
def pdf_worker(tmp_path):
    with real_worker(log=tmp_path / "worker.log", tasks=["billing.tasks.invoice_pdf_render_task"]) as log:
        yield log


@needs_redis
@pytest.mark.worker
def test_a_real_worker_stores_the_pdf_of_an_invoice_issued_a_moment_ago(pdf_worker, customer_account):
    with transaction.atomic():
        invoice = invoice_issue(
            customer=customer_account,
            service_date=timezone.localdate(),
            lines=[
                LineSpec(description="Incident diagnosis", quantity=Decimal("1"), unit_price=Decimal("20.00"))
            ],
        )
    issued_at = time.monotonic()
    stored = StoredDocument.objects.filter(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk)
    while time.monotonic() - issued_at < 20 and not stored.exists():
        time.sleep(0.1)

    assert stored.exists(), pdf_worker.read_text()
    assert stored_document_bytes(stored.get()).startswith(b"%PDF-")
    assert "billing.tasks.invoice_pdf_render_task" in pdf_worker.read_text()
