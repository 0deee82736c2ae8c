"""Deadline sweep of quotes (run hourly and by `enforce_deadlines`), and the rendering of their PDFs."""

import logging
from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from documents.store import RENDER_SLA, Kind, ids_to_render
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
    rendered = 0
    for quote_id in ids_to_render(
        Quote, kind=Kind.QUOTE, issued_before=now - RENDER_SLA, limit=limit, issued_field="sent_at"
    ):
        try:
            quote_pdf_stored(quote_id=quote_id)
        except Exception:  # one quote failing must not keep the others waiting
            logger.exception("rendering quote %s failed", quote_id)
            continue
        rendered += 1
    return rendered


@shared_task(time_limit=300, soft_time_limit=240)
def quote_documents_render_missing_task() -> int:
    return quote_documents_render_missing(now=timezone.now())
