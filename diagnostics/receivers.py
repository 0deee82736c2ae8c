"""How diagnostics hears of what happens below it, without tickets or billing knowing about consent."""

import logging
import threading

from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django_fsm.signals import post_transition

from diagnostics.notifications import EMAIL_KIND_BY_OBLIGATION
from outbox.models import SentEmail
from outbox.signals import email_sent
from tickets.models import Ticket

logger = logging.getLogger(__name__)
CONSENT_EMAIL_KINDS = frozenset(EMAIL_KIND_BY_OBLIGATION.values())


# The tickets that ended in the current transaction, whose consent ends once it commits. One callback
# per transaction, not one per ticket: a deadline sweep that cancels thousands of tickets in one chunk
# then ends their consent with one query instead of thousands (docs/performance.md).
_ended = threading.local()


def _end_consent_of_ended_tickets() -> None:
    from diagnostics.consent import access_requests_end_with_tickets

    ticket_ids, _ended.ticket_ids = getattr(_ended, "ticket_ids", None) or set(), None
    if ticket_ids:
        access_requests_end_with_tickets(ticket_ids=sorted(ticket_ids))


@receiver(post_transition, sender=Ticket, dispatch_uid="diagnostics.end_consent_with_ticket")
def end_consent_with_ticket(sender, instance, target, **kwargs):
    """When a ticket ends, its grants and unanswered requests end with it."""
    if target not in Ticket.FINAL_STATES:
        return
    pending = any(
        callback is _end_consent_of_ended_tickets
        for _sids, callback, _robust in transaction.get_connection().run_on_commit
    )
    if not pending or getattr(_ended, "ticket_ids", None) is None:
        # No callback waits in this transaction (a former one committed, or rolled back and left ids
        # behind: those are harmless, as only requests of tickets that really ended are expired).
        _ended.ticket_ids = set()
        pending = False
    _ended.ticket_ids.add(instance.pk)
    if not pending:
        # After commit, in its own transaction: the ticket's own use case never fails because of consent.
        # Access checks read the ticket's status anyway, and the hourly sweep catches a failure here.
        transaction.on_commit(_end_consent_of_ended_tickets, robust=True)


@receiver(email_sent, sender=SentEmail, dispatch_uid="diagnostics.record_email_contact")
def record_email_contact(sender, email, **kwargs):
    """An e-mail of the consent scheme has gone: it is a contact with the customer, at that time."""
    if email.kind not in CONSENT_EMAIL_KINDS:
        return
    from diagnostics.consent import contact_obligation_emailed

    recipients = len([address for address in email.recipients.split(",") if address])
    try:
        # A savepoint: failing to record the contact must not make the outbox send the e-mail again.
        with transaction.atomic():
            contact_obligation_emailed(obligation_id=email.object_id, at=email.sent_at, recipients=recipients)
    except DatabaseError:
        logger.exception(
            "e-mail %s %s went, but its contact could not be recorded", email.kind, email.object_id
        )
