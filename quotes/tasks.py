"""Deadline sweep of quotes (run hourly and by `enforce_deadlines`), and the rendering of their PDFs."""

import logging
from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from documents.store import Kind, render_missing
from documents.tasks import PDF_TASK
from quotes.documents import quote_pdf_stored
from quotes.models import Quote
from quotes.services import quote_expire, quotes_past_validity

logger = logging.getLogger(__name__)


def quotes_expire_past_validity(*, now: datetime) -> int:
    """Expire every quote still sent after its last valid day, as a person would (the fee is billed)."""
    expired = 0
    for quote in quotes_past_validity(today=timezone.localdate(now)).order_by("id"):
        try:
            quote_expire(quote=quote)
        except TransitionNotAllowed:
            continue  # accepted or declined a moment ago, or expired by a run racing this one
        expired += 1
    return expired


@shared_task(**PDF_TASK)
def quote_pdf_render_task(quote_id: int) -> None:
    try:
        quote_pdf_stored(quote_id=quote_id)
    except Quote.DoesNotExist:
        logger.warning("quote %s to render does not exist", quote_id)


def quote_documents_render_missing(*, now: datetime, limit: int = 50) -> int:
    """Render the quotes sent more than RENDER_SLA ago that still have no PDF (their task was lost)."""
    return render_missing(
        Quote,
        kind=Kind.QUOTE,
        render=lambda pk: quote_pdf_stored(quote_id=pk),
        now=now,
        limit=limit,
        issued_field="sent_at",
    )


@shared_task(time_limit=300, soft_time_limit=240)
def quote_documents_render_missing_task() -> int:
    return quote_documents_render_missing(now=timezone.now())
