"""Log lines that tell which request they belong to, in text or in JSON (`DJANGO_LOG_FORMAT`).

Each request has an id: the `X-Request-ID` the load balancer (or the client) sent when it is safe to
log (1 to 128 letters, digits, `.`, `_`, `:`, `-`), else a new one. The response carries it back in the
same header; every log record made while the request runs carries it (`RequestIdFilter` reads the
context variable `RequestIdMiddleware` sets); every Celery task the request schedules carries it in a
header of its message, and the worker puts it back in the context while the task runs, so the task's
lines have the same id (and the tasks those tasks schedule, theirs). A task that no request scheduled
(the beat's) gets an id of its own.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

HEADER = "X-Request-ID"
# The name of the id's header in a Celery message; the worker's task.request shows it as an attribute.
TASK_HEADER = "x_request_id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: object) -> str | None:
    """`value` when it may be logged and sent back as it is (bounded, no space, no control character)."""
    return value if isinstance(value, str) and _SAFE_ID.fullmatch(value) else None


class RequestIdMiddleware:
    """The request's id, in the context of everything that runs for it and in the response's header."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        rid = valid_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = rid
        return response


class RequestIdFilter(logging.Filter):
    """Gives every record `request_id`: the current request's or task's, "-" outside both."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        return True


# The attributes every LogRecord has; any other one was passed in `extra=` and is logged as a field, but
# `request`, which Django's own loggers attach: an object for handlers, not data (its repr holds the query
# string, where a token may travel).
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "request",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, then any `extra` fields
    and the exception. JSON escapes newlines and control characters: no value can forge a line (SEC-26)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# ------------------------------------------------------------------------------------------- Celery


@before_task_publish.connect
def _request_id_to_task(headers=None, **kwargs) -> None:
    """The publishing request's (or task's) id travels in the message's headers."""
    rid = request_id.get()
    if rid is not None and headers is not None:
        headers.setdefault(TASK_HEADER, rid)


@task_prerun.connect
def _request_id_from_task(task=None, **kwargs) -> None:
    # An eager task runs inside its caller, whose id is already in the context.
    if task is None or task.request.is_eager:
        return
    request_id.set(valid_request_id(getattr(task.request, TASK_HEADER, None)) or new_request_id())


@task_postrun.connect
def _request_id_forget(task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:
        request_id.set(None)


@setup_logging.connect
def _worker_logging(loglevel=None, **kwargs) -> None:
    """Celery workers and beat log as the web does (settings.LOGGING: the format, the request id)
    instead of Celery's own set-up; `--loglevel` still sets the level."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
