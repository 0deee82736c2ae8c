"""Every log line of a request, and of the Celery tasks it schedules, carries the request's id
(config/logs.py); in JSON, each line is one valid object."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config.logs import JsonFormatter, RequestIdFilter, request_id
from tests.billing.conftest import issue_invoice
from tests.celery_worker import needs_redis, redis_answers, worker_process  # noqa: F401 - skipif evaluates it
from tests.workflow import API, client_for

LOGGER = "tests.request_id"
GENERATED = re.compile(r"[0-9a-f]{32}")


@shared_task(name="tests.config.test_request_id.log_a_line_task")
def log_a_line_task() -> None:
    logging.getLogger(LOGGER).warning("the task's line")


def schedule_view(request):
    logging.getLogger(LOGGER).warning("the request's line")
    log_a_line_task.delay()
    return HttpResponse("scheduled")


urlpatterns = [path("schedule/", schedule_view)]


@pytest.fixture
def json_lines():
    """What LOGGER writes through the app's own filter and JSON formatter, one parsed object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_new_one_in_its_response():
    first, second = Client().get("/health/")["X-Request-ID"], Client().get("/health/")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["f3c1a2b4-9d7e-4c1b-8a7e-0123456789ab", "lb.node-2:req_42", "x" * 128])
def test_a_valid_incoming_id_is_kept(given):
    assert Client().get("/health/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    ["", "x" * 129, "two words", "line\nforged", "tab\tthere", "quote\"'", "<script>", "café", "a;b", "\x00"],
)
def test_an_invalid_incoming_id_is_replaced(given):
    answered = Client().get("/health/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert GENERATED.fullmatch(answered), answered


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.usefixtures("celery_eager")
def test_the_request_and_the_task_it_schedules_log_the_same_id(json_lines):
    response = Client().get("/schedule/", HTTP_X_REQUEST_ID="req-eager-1")
    assert response["X-Request-ID"] == "req-eager-1"
    lines = json_lines()
    assert [(line["message"], line["request_id"]) for line in lines] == [
        ("the request's line", "req-eager-1"),
        ("the task's line", "req-eager-1"),
    ]
    assert request_id.get() is None  # nothing leaks into what runs after the request


def test_json_lines_are_one_valid_object_each_whatever_the_message(json_lines):
    token = request_id.set("req-json")
    try:
        log = logging.getLogger(LOGGER)
        log.warning('forged\n{"level": "INFO"}\x1b[31m', extra={"ticket": 12, "request": object()})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        request_id.reset(token)
    first, second = json_lines()
    assert first["message"] == 'forged\n{"level": "INFO"}\x1b[31m' and first["ticket"] == 12
    assert "request" not in first
    assert {first["level"], first["logger"], first["request_id"]} == {"WARNING", LOGGER, "req-json"}
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_outside_a_request_the_id_is_a_dash(json_lines):
    logging.getLogger(LOGGER).warning("no request")
    assert json_lines()[0]["request_id"] == "-"


def _log_a_line(log_format: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_LOG_FORMAT"}
    if log_format is not None:
        env["DJANGO_LOG_FORMAT"] = log_format
    code = "import django, logging; django.setup(); logging.getLogger('probe').warning('hello')"
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_log_format_is_text_by_default_and_json_when_asked():
    text = _log_a_line(None)
    assert re.search(r" WARNING probe \[-\] hello$", text.stderr.strip()), text.stderr
    line = json.loads(_log_a_line("json").stderr.strip())
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "WARNING",
        "probe",
        "hello",
        "-",
    )
    assert _log_a_line("xml").returncode != 0


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_workers_lines_for_a_task_carry_the_id_of_the_request_that_scheduled_it(
    tmp_path, customer, on_postgres
):
    invoice = issue_invoice(customer.customer)
    log = tmp_path / "worker.log"
    with worker_process(log=log, tasks=["billing.tasks.ban_apply_task"], env={"DJANGO_LOG_FORMAT": "json"}):
        client = client_for(customer)
        response = client.post(
            f"{API}/invoices/{invoice.pk}/refuse/",
            {"reason": "no"},
            format="json",
            HTTP_X_REQUEST_ID="req-ban-7",
        )
        assert response.status_code == 200 and response["X-Request-ID"] == "req-ban-7"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "succeeded" not in log.read_text():
            time.sleep(0.1)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    ran = [line for line in lines if "ban_apply_task" in line["message"] and "succeeded" in line["message"]]
    assert ran and all(line["request_id"] == "req-ban-7" for line in ran), log.read_text()
