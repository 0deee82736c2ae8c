"""Celery entry points of accounts."""

from celery import shared_task

from accounts.idempotency import idempotency_records_purge
from accounts.services import password_reset_mail_send
from accounts.tokens import expired_tokens_purge


@shared_task
def password_reset_mail_task(*, email: str, domain: str, use_https: bool) -> None:
    password_reset_mail_send(email=email, domain=domain, use_https=use_https)


@shared_task
def idempotency_records_purge_task() -> int:
    """Forget Idempotency-Key answers older than a day (REL-01 keeps them at least that long)."""
    return idempotency_records_purge()


@shared_task
def expired_tokens_purge_task() -> int:
    """Delete API tokens past their expiry: they authenticate nothing and only grow the table."""
    return expired_tokens_purge()
