"""E-mails of the consent scheme, sent through the outbox: asking for access, telling of an emergency.

Each e-mail is about one contact obligation (its id is the outbox row's object_id). The messages carry
the ticket number, the scope or action and the time, never the staff's free text: the customer reads
that on the ticket page, behind a login. When the outbox reports an e-mail gone (outbox.signals
.email_sent), consent.receivers records it as a contact with the customer.
"""

from datetime import UTC
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from consent.models import AccessRequest, ContactObligation, DataAction
from outbox.services import EmailSpec, email_builder

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACCESS_REQUESTED = "consent_access_requested"
EMERGENCY_ACTION = "consent_emergency_action"
EMAIL_KIND_BY_OBLIGATION: dict[str, str] = {
    ContactObligation.Kind.ASK_BEFORE_ACCESS: ACCESS_REQUESTED,
    ContactObligation.Kind.TELL_AFTER_EMERGENCY: EMERGENCY_ACTION,
}


def _obligation(pk: int) -> ContactObligation:
    return ContactObligation.objects.select_related("ticket__customer", "access_request", "intervention").get(
        pk=pk
    )


def _about(obligation: ContactObligation, event: str, subject: "StrOrPromise", **context) -> EmailSpec:
    ticket = obligation.ticket
    return EmailSpec(
        customer=ticket.customer,
        template=f"email/consent/{event}",
        subject=subject,
        context={"ticket": ticket.pk, "ticket_id": ticket.pk, **context},
    )


@email_builder(ACCESS_REQUESTED)
def access_requested(pk: int) -> EmailSpec:
    obligation = _obligation(pk)
    request = obligation.access_request
    assert request is not None  # contact_obligation_names_its_cause
    return _about(
        obligation,
        "access_requested",
        _("Ticket %(ticket)s: our support asks for access to your data"),
        hours=request.duration_hours,
        scope=AccessRequest.Scope(
            request.scope
        ).label,  # lazy: rendered in the account's language at send time
    )


@email_builder(EMERGENCY_ACTION)
def emergency_action(pk: int) -> EmailSpec:
    obligation = _obligation(pk)
    intervention = obligation.intervention
    assert intervention is not None  # contact_obligation_names_its_cause
    return _about(
        obligation,
        "emergency_action",
        _("Ticket %(ticket)s: our support took an emergency action"),
        action=DataAction(intervention.action).label,
        performed_at=intervention.performed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
    )
