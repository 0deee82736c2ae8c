"""A real Celery worker for the tests that must not run tasks eagerly (dependencies.md trap 2)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.processes import stop_process


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
    "not redis_answers()",
    reason="needs Redis as CELERY_BROKER_URL (bin/test-env or CI sets it) for a real worker",
)


@contextmanager
def worker_process(*, log: Path, tasks: list[str], pool: tuple[str, ...] = ("--pool=solo",), env=None):
    """`celery -A config worker` on the test's database, consuming `tasks` from a queue of its own.

    Its own queue: no other worker on this Redis takes these tasks, and it takes no one else's. The
    route is set in `task_routes`, which wins over a task's own `queue`. `env` adds to or overrides the
    worker's environment (its e-mail backend is locmem unless it says otherwise).
    """
    queue = f"test-{uuid.uuid4().hex}"
    previous_routes = celery_app.conf.task_routes
    celery_app.conf.update(task_routes={task: {"queue": queue} for task in tasks})  # rebuilds the router
    db = connection.settings_dict
    database_url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # The files it stores (documents' PDFs) go where the test reads them.
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **(env or {}),
    }
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                *pool,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert "ready." in log.read_text() and process.poll() is None, log.read_text()
        yield process
    finally:
        celery_app.conf.update(task_routes=previous_routes)
        stop_process(process)


@contextmanager
def real_worker(*, log: Path, tasks: list[str]):
    """A solo worker (see worker_process); the test reads its log."""
    with worker_process(log=log, tasks=tasks):
        yield log
