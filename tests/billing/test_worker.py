"""A refusal's ban is applied by a Celery task after commit: with a real worker on Redis within seconds,
and with the broker down at that moment by the next sweep. Eager mode is not used here on purpose:
it would hide a task that runs before its transaction commits."""

import time

import pytest

from accounts.models import Customer
from billing.models import BanEvent
from config.celery import app as celery_app
from ops.sweeps import deadlines_enforce
from tests.celery_worker import needs_redis, real_worker, redis_answers  # noqa: F401 - skipif evaluates it
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


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


def test_refusal_succeeds_with_the_broker_down_and_the_next_sweep_applies_the_ban(
    broker_down, customer, invoice
):
    started = time.monotonic()
    response = client_for(customer).post(
        f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "no"}, format="json"
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 5  # publishing fails fast instead of hanging the request
    assert response.json()["status"] == "refused"
    assert Customer.objects.get(pk=customer.customer_id).support_status == "banned"  # in the refusal
    assert BanEvent.objects.get().applied_at is None  # its tickets and e-mail wait for the sweep

    done = deadlines_enforce()  # the broker is still down: the sweep needs none

    assert done["bans_apply_pending"] == 1
    account = Customer.objects.get(pk=customer.customer_id)
    assert (account.support_status, account.ban_reason) == ("banned", "refused_invoice")


@pytest.fixture
def worker(tmp_path):
    with real_worker(log=tmp_path / "worker.log", tasks=["billing.tasks.*", "outbox.tasks.*"]) as log:
        yield log


@needs_redis
@pytest.mark.worker
def test_a_real_worker_applies_the_ban_within_seconds_of_the_refusal(worker, customer, invoice):
    response = client_for(customer).post(
        f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "no"}, format="json"
    )
    assert response.status_code == 200
    refused_at = time.monotonic()
    while time.monotonic() - refused_at < 10 and BanEvent.objects.get().applied_at is None:
        time.sleep(0.1)
    assert Customer.objects.get(pk=customer.customer_id).ban_reason == "refused_invoice", worker.read_text()
    assert BanEvent.objects.get().applied_at is not None
    assert "billing.tasks.ban_apply_task" in worker.read_text()
