"""The e-mails of single events (a ticket opened, an invoice issued...): recorded with the change, then sent
by one relay task for however many were recorded while it waited, not one task each."""

import time

import pytest
from django.test import override_settings

from outbox import services, tasks
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.celery_worker import needs_redis, real_worker, redis_answers  # noqa: F401 - skipif evaluates it
from tests.workflow import open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The relay tasks published; none runs."""
    calls = []
    monkeypatch.setattr(tasks.emails_relay_task, "delay", lambda: calls.append("relay"))
    return calls


@needs_redis
def test_many_emails_recorded_while_a_relay_waits_publish_one_task(
    customer, customer_account, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            open_incident(customer)
        issue_invoice(customer_account)
    assert published == ["relay"]
    assert SentEmail.objects.filter(sent_at__isnull=True).count() == 4  # the task sends them


@needs_redis
def test_the_relay_sends_what_waits_and_a_later_email_publishes_a_new_task(
    customer, customer_account, published, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(customer)
        issue_invoice(customer_account)
    assert tasks.emails_relay_task() == 2
    assert len(mailoutbox) == 2 and not SentEmail.objects.filter(sent_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(customer)
    assert published == ["relay", "relay"]  # the first relay released the flag before sending


# A broker that keeps no flag (the filesystem one), or a Redis that does not answer: one relay an e-mail.
@pytest.mark.parametrize(
    "broker", ["filesystem://", "redis://127.0.0.1:1/0"], ids=["no_flag_store", "unreachable_flag_store"]
)
def test_without_a_flag_store_each_email_publishes_its_relay(
    customer, published, broker, django_capture_on_commit_callbacks
):
    with (
        override_settings(CELERY_BROKER_URL=broker),
        django_capture_on_commit_callbacks(execute=True),
    ):
        open_incident(customer)
        open_incident(customer)
    assert published == ["relay", "relay"]


def test_the_relay_leaves_a_failed_email_to_the_hourly_sweep(
    customer_account, customer, mailoutbox, settings, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue_invoice(customer_account)
    settings.EMAIL_BACKEND = "tests.outbox.test_emails.FailingBackend"
    assert tasks.emails_relay_task() == 0
    failed = SentEmail.objects.get()
    assert (failed.attempts, failed.sent_at) == (1, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.emails_relay_task() == 0  # not retried at once: the sweep does, after its grace period
    assert SentEmail.objects.get().attempts == 1


def test_a_relay_sends_in_batches_and_hands_the_rest_to_another(
    customer, published, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    monkeypatch.setattr(services, "RELAY_BATCHES", 2)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            open_incident(customer)
    published.clear()
    assert tasks.emails_relay_task() == 4
    assert published == ["relay"] and len(mailoutbox) == 4
    assert tasks.emails_relay_task() == 1


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_real_worker_sends_a_new_tickets_email(customer, tmp_path):
    with real_worker(log=tmp_path / "worker.log", tasks=["outbox.tasks.*"]) as log:
        open_incident(customer)
        open_incident(customer)
        started = time.monotonic()
        while time.monotonic() - started < 20 and SentEmail.objects.filter(sent_at__isnull=True).exists():
            time.sleep(0.1)
        assert not SentEmail.objects.filter(sent_at__isnull=True).exists(), log.read_text()
        assert "outbox.tasks.emails_relay_task" in log.read_text()
