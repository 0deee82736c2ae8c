"""Celery entry points of accounts."""

from celery import shared_task

from accounts.services import password_reset_mail_send


@shared_task
def password_reset_mail_task(*, email: str, domain: str, use_https: bool) -> None:
    password_reset_mail_send(email=email, domain=domain, use_https=use_https)
