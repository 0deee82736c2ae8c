"""Exactly one Celery beat (docs/scaling.md, "Workers and beat"): the running beat holds a lock in Redis; a
second `celery -A config beat` waits the lock's lifetime for it, then exits with an error; once the first
stops, its lock is released and a new beat takes it. A beat whose lock is taken from it stops."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from config import beat_lock
from config.redis_client import redis_client
from tests.celery_worker import needs_redis, redis_answers  # noqa: F401 - its skipif reads it
from tests.processes import stop_process

pytestmark = [needs_redis]
ROOT = Path(__file__).resolve().parents[2]
LIFETIME = 3  # seconds: DJANGO_BEAT_LOCK_SECONDS of the beats started here


@pytest.fixture
def redis(settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL
    client = redis_client()
    client.delete(beat_lock.KEY)
    yield client
    client.delete(beat_lock.KEY)


def _beat(tmp_path: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "DJANGO_BEAT_LOCK_SECONDS": str(LIFETIME),
        "DJANGO_LOG_LEVEL": "INFO",
    }
    with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - this interpreter, Celery's beat, fixed arguments
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"]
            + ["--schedule", str(tmp_path / f"{name}-schedule")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen) -> None:
    stop_process(process, timeout=20)


def _wait_for_holder(redis, *, pid: int, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        holder = redis.get(beat_lock.KEY)
        if holder and f":{pid}:" in holder.decode():
            return holder.decode()
        time.sleep(0.2)
    raise AssertionError(f"beat {pid} did not take the lock (held by {redis.get(beat_lock.KEY)})")


def test_a_second_beat_exits_while_the_first_runs_and_starts_once_it_stopped(redis, tmp_path):
    first = _beat(tmp_path, "first")
    try:
        _wait_for_holder(redis, pid=first.pid)
        assert 0 < redis.pttl(beat_lock.KEY) <= LIFETIME * 1000

        second = _beat(tmp_path, "second")
        try:
            second.wait(timeout=LIFETIME + 5 + 30)
        finally:
            _stop(second)
        log = (tmp_path / "second.log").read_text()
        assert second.returncode != 0
        assert "another Celery beat holds the lock" in log
        assert first.poll() is None  # the first beat runs on, its lock refreshed past its lifetime
        assert f":{first.pid}:" in redis.get(beat_lock.KEY).decode()
    finally:
        _stop(first)
    assert redis.get(beat_lock.KEY) is None  # released as it stopped

    third = _beat(tmp_path, "third")
    try:
        _wait_for_holder(redis, pid=third.pid)
    finally:
        _stop(third)


def test_a_beat_whose_lock_was_taken_stops(redis):
    lock = beat_lock.BeatLock(redis, seconds=1)
    assert lock.acquire(wait=0)
    assert not beat_lock.BeatLock(redis, seconds=1).acquire(wait=0)
    lost = threading.Event()
    lock.keep(on_lost=lost.set)

    redis.set(beat_lock.KEY, "another-host:1:token")  # Redis flushed and another beat started meanwhile
    assert lost.wait(5)
    lock.release()
    assert redis.get(beat_lock.KEY) == b"another-host:1:token"  # it never releases someone else's lock


def test_without_redis_there_is_no_lock(settings):
    settings.REDIS_URL = ""
    assert beat_lock.beat_lock_take(service=None) is None
