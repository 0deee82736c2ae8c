"""Prometheus metrics at /metrics (config/metrics.py): private, parseable, and each figure moves when its
event happens, in the web process or in a real Celery worker (the counts live in Redis, shared by all)."""

import ipaddress
import time
import uuid

import pytest
from django.db import transaction
from django.test import Client
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families

from billing import documents
from billing.services import invoice_refuse
from config import metrics
from config.celery import app as celery_app
from config.redis_client import redis_client
from ops.sweeps import DEADLINE_SWEEPS, deadlines_enforce
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.celery_worker import needs_redis, real_worker, redis_answers  # noqa: F401 - skipif evaluates it

pytestmark = pytest.mark.django_db

TOKEN = "a-scrape-token-of-forty-characters-0123456"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def scrape_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETS = []


@pytest.fixture
def own_metrics(settings):
    """The figures of this test alone, under keys of its own, removed afterwards."""
    settings.METRICS_KEY_PREFIX = f"metrics:test:{uuid.uuid4().hex}:"
    yield
    client = redis_client()
    if client is not None:
        client.delete(*[f"{settings.METRICS_KEY_PREFIX}{metric.name}" for metric in metrics._DECLARED])


def scrape() -> dict:
    """The exposition, parsed by prometheus_client's own parser: {(sample name, labels): value}."""
    response = Client().get("/metrics", **BEARER)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(figures: dict, name: str, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


# ------------------------------------------------------------------------------------------ privacy


def test_without_a_token_or_networks_the_endpoint_does_not_exist(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETS = "", []
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", **BEARER).status_code == 404


def test_the_token_is_asked_for_and_checked(scrape_token):
    missing = Client().get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert b"incident_desk" not in missing.content
    assert Client().get("/metrics", **BEARER).status_code == 200


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(scrape_token):
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = Client().get("/metrics", HTTP_ACCEPT=accept, **BEARER)
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    names = {family.name for family in openmetrics_families(response.content.decode())}
    assert {"incident_desk_bans", "incident_desk_http_request_duration_seconds"} <= names


def test_only_the_allowed_networks_may_scrape(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETS = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="fd00::1").get("/metrics").status_code == 200


def test_an_outsider_cannot_claim_an_internal_address_through_the_proxy(settings):
    settings.METRICS_TOKEN, settings.TRUSTED_PROXY_COUNT = "", 1
    settings.METRICS_ALLOWED_NETS = [ipaddress.ip_network("10.0.0.0/8")]
    # The load balancer (10.0.0.2) appends the address it saw; what the client wrote before it is hearsay.
    through_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.4")
    assert through_proxy.get("/metrics").status_code == 403


def test_with_both_the_network_and_the_token_are_needed(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETS = [ipaddress.ip_network("10.0.0.0/8")]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 401
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics", **BEARER).status_code == 403
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics", **BEARER).status_code == 200


def test_metrics_is_read_only(scrape_token):
    assert Client().post("/metrics", **BEARER).status_code == 405


# ------------------------------------------------------------------------------------------ figures


def test_the_exposition_parses_and_declares_every_figure(scrape_token, own_metrics):
    Client().get("/health/")
    families = {
        family.name: family.type
        for family in text_string_to_metric_families(Client().get("/metrics", **BEARER).content.decode())
    }
    assert families == {
        "incident_desk_metrics_store_up": "gauge",
        "incident_desk_http_request_duration_seconds": "histogram",
        "incident_desk_deadline_sweep_duration_seconds": "histogram",
        "incident_desk_pdf_render_duration_seconds": "histogram",
        "incident_desk_bans": "counter",
        "incident_desk_emails_pending": "gauge",
        "incident_desk_celery_queue_length": "gauge",
    }


def test_request_latency_is_labelled_by_the_view_never_by_the_path(scrape_token, own_metrics, customer):
    client = Client()
    client.force_login(customer)
    for ticket_id in (123456, 654321):
        client.get(f"/customer/tickets/{ticket_id}/")
    Client().get("/no-such-page-7f3a/")
    figures = scrape()
    count = "incident_desk_http_request_duration_seconds_count"
    assert value(figures, count, view="customer:tickets:detail", method="GET") == 2
    assert value(figures, count, view="unresolved", method="GET") == 1
    buckets = {
        labels: n
        for (name, labels), n in figures.items()
        if name == "incident_desk_http_request_duration_seconds_bucket"
        and ("view", "customer:tickets:detail") in labels
    }
    assert buckets[(("le", "+Inf"), ("method", "GET"), ("view", "customer:tickets:detail"))] == 2
    assert all(n <= 2 for n in buckets.values())
    assert not [labels for _name, labels in figures if any("123456" in v or "7f3a" in v for _k, v in labels)]


def test_each_deadline_sweep_and_the_whole_run_are_timed(scrape_token, own_metrics):
    deadlines_enforce()
    deadlines_enforce()
    figures = scrape()
    count = "incident_desk_deadline_sweep_duration_seconds_count"
    assert value(figures, count, sweep="deadlines_enforce") == 2
    for sweep in DEADLINE_SWEEPS:
        assert value(figures, count, sweep=sweep.__name__) == 2, sweep.__name__
    assert value(figures, "incident_desk_deadline_sweep_duration_seconds_sum", sweep="deadlines_enforce") > 0


@pytest.mark.usefixtures("celery_eager")
def test_a_ban_is_counted_once_committed(
    scrape_token, own_metrics, customer, other_customer, django_capture_on_commit_callbacks
):
    refused, again = issue_invoice(customer.customer), issue_invoice(customer.customer)
    rolled_back = issue_invoice(other_customer.customer)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            invoice_refuse(invoice=rolled_back, reason="no", by=other_customer)
            raise RuntimeError("the refusal's transaction rolls back")
    assert value(scrape(), "incident_desk_bans_total", reason="refused_invoice") == 0
    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=refused, reason="no", by=customer)
    assert value(scrape(), "incident_desk_bans_total", reason="refused_invoice") == 1
    # The account is banned already: refusing its other invoice is recorded, but bans no one again.
    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=again, reason="no", by=customer)
    assert value(scrape(), "incident_desk_bans_total", reason="refused_invoice") == 1


def test_pdf_render_time_is_observed_per_template(scrape_token, own_metrics, customer_account, customer):
    documents.invoice_pdf_stored(invoice_id=issue_invoice(customer_account).pk)
    figures = scrape()
    labels = {"template": "pdf/billing/invoice.html"}
    assert value(figures, "incident_desk_pdf_render_duration_seconds_count", **labels) == 1
    assert value(figures, "incident_desk_pdf_render_duration_seconds_sum", **labels) > 0


def test_emails_pending_are_the_outbox_rows_not_sent_yet(scrape_token, customer_account):
    before = value(scrape(), "incident_desk_emails_pending")
    rows = [
        SentEmail.objects.create(kind="metrics_test", object_id=n, customer=customer_account) for n in (1, 2)
    ]
    assert value(scrape(), "incident_desk_emails_pending") == before + 2
    SentEmail.objects.filter(pk=rows[0].pk).update(sent_at=rows[0].created_at)
    assert value(scrape(), "incident_desk_emails_pending") == before + 1


@needs_redis
def test_queue_length_is_the_brokers_depth_at_the_scrape(scrape_token, settings):
    queue = f"test-metrics-{uuid.uuid4().hex}"
    settings.CELERY_TASK_QUEUES = {queue: {}}
    try:
        assert value(scrape(), "incident_desk_celery_queue_length", queue=queue) == 0
        for _ in range(3):
            celery_app.send_task("ops.tasks.deadlines_enforce_task", queue=queue)
        assert value(scrape(), "incident_desk_celery_queue_length", queue=queue) == 3
    finally:
        redis_client(settings.CELERY_BROKER_URL).delete(queue)


def test_with_redis_down_requests_go_on_and_the_scrape_says_the_store_is_down(scrape_token, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port; the suite's Redis keeps running
    started = time.monotonic()
    assert [Client().get("/health/").status_code for _ in range(5)] == [200] * 5
    assert time.monotonic() - started < 3  # one timeout, then Redis is left alone for a while
    figures = scrape()
    assert value(figures, "incident_desk_metrics_store_up") == 0
    assert ("incident_desk_emails_pending", ()) in figures  # what does not need Redis is still there


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_figure_moved_in_a_real_worker_is_in_the_webs_scrape(scrape_token, tmp_path):
    # The worker counts under the default keys: read the change, not the total.
    before = value(scrape(), "incident_desk_deadline_sweep_duration_seconds_count", sweep="deadlines_enforce")
    with real_worker(log=tmp_path / "worker.log", tasks=["ops.tasks.deadlines_enforce_task"]) as log:
        celery_app.send_task("ops.tasks.deadlines_enforce_task")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "succeeded" not in log.read_text():
            time.sleep(0.1)
        assert "succeeded" in log.read_text(), log.read_text()
    after = value(scrape(), "incident_desk_deadline_sweep_duration_seconds_count", sweep="deadlines_enforce")
    assert after == before + 1
