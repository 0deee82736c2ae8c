"""Celery entry points of e-mail in."""

from celery import shared_task

from mailin import imap


@shared_task
def mailbox_poll_task() -> int:
    """Receive the support mailbox's new messages (beat, every MAILIN_POLL_SECONDS); nothing when no IMAP
    host is configured. Not retried: the next poll reads whatever this one left unseen."""
    return imap.mailbox_poll()
