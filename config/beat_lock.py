"""One Celery beat at a time, whatever is started: a lock in Redis held by the running beat.

`celery -A config beat` (or a worker's embedded `--beat`) takes the lock as it starts (`beat_init`) and
refreshes it every third of its lifetime from a thread of its own. A second beat finds it held, waits a
lifetime for it (the first one may just have died: its lock then ends by itself), and exits with an error
if it is still held, so no periodic task is ever sent twice by two schedulers. A beat that finds its lock
gone or taken (Redis flushed, the beat frozen past the lifetime) stops its scheduler at once.

The lock lives in the Redis of settings.REDIS_URL (the broker's); without Redis (`make run`, one process
that is its own worker and beat) there is nothing to lock. The tasks themselves tolerate a second run
(the sweeps lock their rows, the renders their documents), so the lock is about not doubling the work.
"""

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings

from config.redis_client import redis_client

logger = logging.getLogger("config.beat")

KEY = "celery:beat:lock"
# Compare-and-set scripts: a beat only ever refreshes or releases its own lock.
_REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class BeatLockHeld(SystemExit):
    """Another beat holds the lock: this one does not start."""


def lock_seconds() -> int:
    return int(getattr(settings, "BEAT_LOCK_SECONDS", 60))


def holder() -> str | None:
    """Who holds the lock ("host:pid:token"), or None."""
    client = redis_client()
    if client is None:
        return None
    value = client.get(KEY)
    return value.decode() if value else None


class BeatLock:
    def __init__(self, client, *, seconds: int):
        self.client, self.seconds = client, seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._stop = threading.Event()

    def acquire(self, *, wait: float) -> bool:
        deadline = time.monotonic() + wait
        while True:
            if self.client.set(KEY, self.token, nx=True, px=self.seconds * 1000):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(2.0, max(0.1, self.seconds / 10)))

    def refresh(self) -> bool:
        return bool(self.client.eval(_REFRESH, 1, KEY, self.token, self.seconds * 1000))

    def release(self) -> None:
        self._stop.set()
        try:
            self.client.eval(_RELEASE, 1, KEY, self.token)
        except Exception:  # noqa: BLE001 - Redis gone: the lock ends by itself
            logger.warning("could not release the beat lock; it expires in %s s", self.seconds)

    def keep(self, on_lost) -> threading.Thread:
        """Refresh the lock every third of its lifetime until released; `on_lost()` if it was lost."""

        def run() -> None:
            while not self._stop.wait(self.seconds / 3):
                try:
                    kept = self.refresh()
                except Exception:  # noqa: BLE001 - Redis briefly away: try again, the lock still runs
                    logger.warning("could not refresh the beat lock", exc_info=True)
                    continue
                if not kept:
                    logger.error("the beat lock was lost (held by %s now): this beat stops", holder())
                    on_lost()
                    return

        thread = threading.Thread(target=run, name="beat-lock", daemon=True)
        thread.start()
        return thread


def beat_lock_take(service) -> BeatLock | None:
    """Take the lock for the beat `service` (celery.beat.Service), or exit if another beat holds it."""
    client = redis_client()
    if client is None:
        logger.info("no Redis: the beat lock is not taken (run one beat only)")
        return None
    seconds = lock_seconds()
    lock = BeatLock(client, seconds=seconds)
    if not lock.acquire(wait=seconds + 5):
        raise BeatLockHeld(
            f"another Celery beat holds the lock {KEY} ({holder()}): only one beat may run; this one exits"
        )
    logger.info("beat lock %s taken by %s, refreshed every %.0f s", KEY, lock.token, seconds / 3)
    lock.keep(on_lost=service.stop)
    import atexit

    atexit.register(lock.release)
    return lock
