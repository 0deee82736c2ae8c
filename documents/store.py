"""Issued documents as stored PDFs: rendered once from their own data, kept and served byte for byte.

An invoice, a credit note or a quote is rendered after the commit that issues it (a Celery task on
the `pdf` queue), or at its first download if that task has not run yet; either way exactly once,
under the document's rendering lock: the bytes go to the default storage (the object store every node
shares, or MEDIA_ROOT on one machine) under a name that holds their SHA-256, then the StoredDocument row
names them (LAW-09). A stored document is never rendered again: every download returns the same bytes,
checked against the digest of the row.

The rendering lock is not the document's row: a render takes a good fraction of a second (WeasyPrint),
and an invoice's row lock is what a payment, a refusal and the lapse sweep queue on. On PostgreSQL it is
a transaction-level advisory lock keyed on (kind, id); SQLite has none, and runs one writer at a time.
"""

import hashlib
import logging
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils.module_loading import import_string

from documents.models import StoredDocument

logger = logging.getLogger(__name__)

Kind = StoredDocument.Kind
# REL-12: a document still without its PDF this long after its issue lost its task; the sweep renders it.
RENDER_SLA = timedelta(minutes=10)


def _int32(value: int) -> int:
    """`value` folded into PostgreSQL's signed 32-bit integer, as the two-key advisory lock takes it."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def document_render_lock(*, kind: str, object_id: int) -> None:
    """Hold, until the current transaction ends, the lock under which one document is rendered.

    A PostgreSQL advisory lock keyed on the document, not a row lock: the document's row (an invoice's)
    stays free for payments, refusals and sweeps while its PDF renders. Two documents whose keys collide
    only wait for each other. Nothing on SQLite: it has no such lock and runs one writer at a time; the
    unique (kind, object_id) constraint keeps one PDF stored whatever happens.
    """
    if connection.vendor != "postgresql":
        return
    namespace = _int32(zlib.crc32(f"documents.stored:{kind}".encode()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, _int32(object_id)])


def stored_document_get_or_render(
    *, kind: str, object_id: int, render: Callable[[], bytes]
) -> StoredDocument:
    """The stored PDF of a document, rendered now if it is not stored yet; rendered once, whoever asks.

    Concurrent callers queue on the document's rendering lock (`document_render_lock`), and the ones that
    wait find the stored PDF when they get it; no row of the document is locked meanwhile. The unique
    (kind, object_id) constraint is the last guard (SQLite, a caller without the lock). `render` reads the
    document as issued; a document that does not exist raises its model's DoesNotExist from there.
    """
    stored = StoredDocument.objects.filter(kind=kind, object_id=object_id).first()
    if stored is not None:
        return stored
    with transaction.atomic():
        document_render_lock(kind=kind, object_id=object_id)
        stored = StoredDocument.objects.filter(kind=kind, object_id=object_id).first()
        if stored is not None:
            return stored
        content = render()
        document = StoredDocument(kind=kind, object_id=object_id, sha256=hashlib.sha256(content).hexdigest())
        # The file first, the row naming it after: a row never names a file that is not there. A rollback
        # after this leaves an object no row names (harmless: its name holds its hash, never reused).
        document.file.save("document.pdf", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                document.save(force_insert=True)
                return document
        except IntegrityError:
            return StoredDocument.objects.get(kind=kind, object_id=object_id)


class StoredDocumentCorrupt(Exception):
    """A stored PDF whose bytes no longer match the digest recorded at its issue."""


def stored_document_bytes(document: StoredDocument) -> bytes:
    """The document's bytes as issued: its file, checked against its digest; or, for the documents stored
    before the object store, its `content` column (PostgreSQL hands a BinaryField back as a memoryview)."""
    if not document.file:
        return bytes(document.content)
    with document.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise StoredDocumentCorrupt(f"{document.kind} {document.object_id}: {document.file.name} was altered")
    return content


def render_after_commit(*, task: str, object_id: int) -> None:
    """Queue the rendering of a document once its issue is committed.

    After commit, because a worker must not look for a row that is not committed yet; robust,
    because a broker that is down must not undo an issued invoice: the sweep renders it later.
    The task is named by its dotted path: the tasks modules import the services that call this.
    """

    def enqueue() -> None:
        import_string(task).delay(object_id)

    transaction.on_commit(enqueue, robust=True)


def render_batch_after_commit(*, task: str, object_ids: list[int]) -> None:
    """One task for a batch of documents to render, queued after commit (the sweep issues thousands)."""
    if object_ids:
        transaction.on_commit(lambda: import_string(task).delay(object_ids), robust=True)


def without_stored_pdf(queryset: QuerySet, *, kind: str) -> QuerySet:
    """The documents of `queryset` whose PDF is not stored yet."""
    stored = StoredDocument.objects.filter(kind=kind, object_id=OuterRef("pk"))
    return queryset.filter(~Exists(stored))


def ids_to_render(
    model: type[Model], *, kind: str, issued_before: datetime, limit: int, issued_field: str = "created_at"
) -> list[int]:
    """Ids of documents of `model` issued before `issued_before` and still without their PDF."""
    queryset = without_stored_pdf(
        model._default_manager.filter(**{f"{issued_field}__lt": issued_before}), kind=kind
    )
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])


def render_missing(
    model: type[Model],
    *,
    kind: str,
    render: Callable[[int], StoredDocument],
    now: datetime,
    limit: int,
    issued_field: str = "created_at",
) -> int:
    """Render the documents of `model` issued more than RENDER_SLA before `now` that still have no PDF
    (their task was lost), `limit` at most, with `render(id)`. How many were rendered."""
    rendered = 0
    for object_id in ids_to_render(
        model, kind=kind, issued_before=now - RENDER_SLA, limit=limit, issued_field=issued_field
    ):
        try:
            render(object_id)
        except Exception:  # one document failing must not keep the others waiting
            logger.exception("rendering %s %s failed", kind, object_id)
            continue
        rendered += 1
    return rendered
