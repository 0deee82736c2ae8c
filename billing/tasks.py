"""Celery entry points of billing, and its deadline sweeps (run hourly and by `enforce_deadlines`).

Each sweep takes `now`, does each thing in its own transaction under a row lock, and returns how
many things it changed: a second run, or a run racing this one, finds nothing left to do.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing import documents, notifications, selectors, services
from billing.models import BanEvent, CreditNote, Invoice
from config.celery import RETRYING_TASK
from documents import store
from documents.tasks import PDF_TASK
from outbox.models import SentEmail

logger = logging.getLogger(__name__)

REMINDER_DAYS = 7


@shared_task(**RETRYING_TASK)
def ban_apply_task(ban_id: int) -> None:
    services.ban_apply(ban=BanEvent(pk=ban_id))


# Rows per transaction of the sweeps below: memory stays flat and locks are short, while the writes
# stay set-based (a sweep over 100,000 invoices is 100 transactions, not 100,000; docs/performance.md).
SWEEP_CHUNK = 1000


def _chunks_of_ids(queryset):
    """The ids of `queryset` in id order, a chunk at a time, each read after the previous one is done."""
    after = 0
    while ids := list(
        queryset.filter(pk__gt=after).order_by("id").values_list("id", flat=True)[:SWEEP_CHUNK]
    ):
        after = ids[-1]
        yield ids


def invoices_lapse_overdue(*, now: datetime) -> int:
    """Lapse every invoice still open after its due day (day 31 after issue); each bans its account."""
    today = timezone.localdate(now)
    overdue = selectors.invoices_overdue(today=today)
    return sum(len(services.invoices_lapse(invoice_ids=ids, today=today)) for ids in _chunks_of_ids(overdue))


def bans_apply_pending(*, now: datetime) -> int:
    """Apply every ban recorded but not applied yet (its task was lost, or has not run yet)."""
    pending = BanEvent.objects.filter(kind=BanEvent.Kind.BAN, applied_at__isnull=True)
    return sum(services.bans_apply(ban_ids=ids) for ids in _chunks_of_ids(pending))


def invoice_reminders_send(*, now: datetime) -> int:
    """Queue the 7-day and 1-day payment reminders that are due and not sent before."""
    today = timezone.localdate(now)
    queued = 0
    candidates = Invoice.objects.filter(
        status=Invoice.State.OPEN, due_on__gte=today, due_on__lte=today + timedelta(days=REMINDER_DAYS)
    ).annotate(
        reminded_7=Exists(
            SentEmail.objects.filter(kind=notifications.REMINDER_7_DAYS, object_id=OuterRef("pk"))
        ),
        reminded_1=Exists(
            SentEmail.objects.filter(kind=notifications.REMINDER_1_DAY, object_id=OuterRef("pk"))
        ),
    )
    for invoice in candidates.order_by("id"):
        one_day = (invoice.due_on - today).days <= 1
        if invoice.reminded_1 or (invoice.reminded_7 and not one_day):
            continue
        if services.invoice_reminder_queue(invoice=invoice, today=today):
            queued += 1
    return queued


@shared_task(**PDF_TASK)
def invoice_pdf_render_task(invoice_id: int) -> None:
    try:
        documents.invoice_pdf_stored(invoice_id=invoice_id)
    except Invoice.DoesNotExist:
        logger.warning("invoice %s to render does not exist", invoice_id)


@shared_task(**{**PDF_TASK, "time_limit": 600, "soft_time_limit": 540})
def credit_notes_pdf_render_task(credit_note_ids: list[int]) -> None:
    """A batch of credit notes (a sweep chunk's, or a refusal's one); one failing is left to the missing-documents sweep."""
    for credit_note_id in credit_note_ids:
        try:
            documents.credit_note_pdf_stored(credit_note_id=credit_note_id)
        except Exception:  # one document failing must not keep the others waiting
            logger.exception("rendering credit note %s failed", credit_note_id)


def documents_render_missing(*, now: datetime, limit: int = 50) -> int:
    """Render the invoices and credit notes issued more than RENDER_SLA ago that still have no PDF.

    Their after-commit task was lost (broker down, worker killed); a download would render them too,
    but the stored PDF must exist whether or not anyone downloads it (LAW-09).
    """
    return sum(
        store.render_missing(model, kind=kind, render=render, now=now, limit=limit)
        for model, kind, render in (
            (Invoice, store.Kind.INVOICE, lambda pk: documents.invoice_pdf_stored(invoice_id=pk)),
            (
                CreditNote,
                store.Kind.CREDIT_NOTE,
                lambda pk: documents.credit_note_pdf_stored(credit_note_id=pk),
            ),
        )
    )


@shared_task(time_limit=300, soft_time_limit=240)
def documents_render_missing_task() -> int:
    return documents_render_missing(now=timezone.now())
