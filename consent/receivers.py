"""How consent hears of what happens below it, without tickets or the outbox knowing about consent."""

import logging

from django.db import DatabaseError, transaction
from django.dispatch import receiver

from consent.notifications import EMAIL_KIND_BY_OBLIGATION
from consent.services import access_requests_end_with_tickets, contact_obligation_emailed
from outbox.models import SentEmail
from outbox.signals import email_sent
from tickets.models import Ticket
from tickets.signals import tickets_ended

logger = logging.getLogger(__name__)
CONSENT_EMAIL_KINDS = frozenset(EMAIL_KIND_BY_OBLIGATION.values())


@receiver(tickets_ended, sender=Ticket, dispatch_uid="consent.end_consent_with_tickets")
def end_consent_with_tickets(sender, ticket_ids, **kwargs):
    """When tickets end, their grants and unanswered requests end with them.

    After commit, in its own transaction: the tickets' own use case never fails because of consent.
    Access checks read the ticket's status anyway, and the hourly sweep catches a failure here. One call
    per signal, so a sweep chunk that cancels thousands of tickets ends their consent with one query.
    """
    ended = sorted(ticket_ids)
    # A closure, not functools.partial: Django 5.2's robust on_commit crashes logging a failed partial
    # (../shared/docs/dependencies.md, trap 3).
    transaction.on_commit(lambda: access_requests_end_with_tickets(ticket_ids=ended), robust=True)


@receiver(email_sent, sender=SentEmail, dispatch_uid="consent.record_email_contact")
def record_email_contact(sender, email, **kwargs):
    """An e-mail of the consent scheme has gone: it is a contact with the customer, at that time."""
    if email.kind not in CONSENT_EMAIL_KINDS:
        return
    recipients = len([address for address in email.recipients.split(",") if address])
    try:
        # A savepoint: failing to record the contact must not make the outbox send the e-mail again.
        with transaction.atomic():
            contact_obligation_emailed(obligation_id=email.object_id, at=email.sent_at, recipients=recipients)
    except DatabaseError:
        logger.exception(
            "e-mail %s %s went, but its contact could not be recorded", email.kind, email.object_id
        )
