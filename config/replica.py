"""Heavy reads on a streaming replica, when one is configured (`DATABASE_REPLICA_URL`).

What goes to the replica is chosen by the caller, never guessed: the pages of every list (portal lists
through `config.portals.paginate`, API lists through `config.pagination`) ask `read_alias(request)` for
their queryset's database; the finance reports and the CSV exports run their reads inside
`with heavy_reads(request):`, which routes every read of the block (raw SQL included, through
`read_connection()`). Everything else (writes, the row
locks of every state change, authentication, the one-object pages, Celery tasks) stays on the primary, as
the router below says.

Read your own writes: a replica replays the primary's WAL a moment later. After any request that may
have written (POST, PUT, PATCH, DELETE), its user reads from the primary for `DATABASE_REPLICA_PIN_SECONDS`
(default 5 s), on every web node: the pin lives in Redis when there is one, else in the process. A person
who just opened a ticket sees it in their list at once; others may see it a moment later.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from config.redis_client import redis_client

REPLICA = "replica"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The database every read of the current block goes to (`heavy_reads`); None: the primary.
_block_alias: ContextVar[str | None] = ContextVar("replica_block_alias", default=None)

logger = logging.getLogger(__name__)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class PrimaryReplicaRouter:
    """The primary for everything, except where a caller chose the replica with `.using(read_alias(...))`;
    the rows of a queryset read on the replica fetch their relations there too."""

    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return _block_alias.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica gets its schema from the primary's WAL


class _MemoryPins:
    """The pins of one process (`make run`, tests without Redis): user id → the moment it ends."""

    def __init__(self):
        self._until: dict[int, float] = {}
        self._lock = threading.Lock()

    def pin(self, user_id: int, seconds: float) -> None:
        with self._lock:
            self._until[user_id] = time.monotonic() + seconds

    def pinned(self, user_id: int) -> bool:
        with self._lock:
            return self._until.get(user_id, 0.0) > time.monotonic()


_memory = _MemoryPins()


def _key(user_id: int) -> str:
    return f"replica-pin:{user_id}"


def pin_to_primary(user) -> None:
    """`user` may just have written: their reads go to the primary for the next few seconds."""
    if not replica_configured() or not getattr(user, "is_authenticated", False):
        return
    seconds = settings.DATABASE_REPLICA_PIN_SECONDS
    client = redis_client()
    if client is None:
        _memory.pin(user.pk, seconds)
        return
    try:
        client.set(_key(user.pk), 1, px=int(seconds * 1000))
    except Exception:  # noqa: BLE001 - Redis down: this node remembers, and reads stay on the primary
        logger.warning("replica pin not stored in Redis; reading from the primary", exc_info=True)
        _memory.pin(user.pk, seconds)


def _pinned(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if _memory.pinned(user.pk):
        return True
    client = redis_client()
    if client is None:
        return False
    try:
        return bool(client.exists(_key(user.pk)))
    except Exception:  # noqa: BLE001 - not knowing whether they wrote: the primary is always right
        logger.warning("replica pin not readable from Redis; reading from the primary", exc_info=True)
        return True


def read_alias(request) -> str:
    """The database for a heavy read made for `request`: the replica, unless there is none, the request
    may write, its user wrote a moment ago, or a transaction is open (it must see its own rows)."""
    if not replica_configured() or request is None or request.method not in _SAFE_METHODS:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block or _pinned(getattr(request, "user", None)):
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextmanager
def heavy_reads(request) -> Iterator[str]:
    """Every read inside the block on the database `read_alias(request)` names (a report, an export)."""
    alias = read_alias(request)
    token = _block_alias.set(alias)
    try:
        yield alias
    finally:
        _block_alias.reset(token)


def read_connection():
    """The connection raw SQL reads through: the block's (`heavy_reads`), else the primary's."""
    return connections[_block_alias.get() or DEFAULT_DB_ALIAS]


class PinAfterWriteMiddleware:
    """After a request that may have written, its user reads from the primary for a few seconds.

    Runs after the view, so that an API caller authenticated by DRF (a token) is known by then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in _SAFE_METHODS and replica_configured():
            pin_to_primary(getattr(request, "user", None))
        return response
