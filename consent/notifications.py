"""E-mails of the consent scheme, sent through the outbox: asking for access, telling of an emergency.

Each e-mail is about one contact obligation (its id is the outbox row's object_id). The messages carry
the ticket number, the scope or action and the time, never the staff's free text: the customer reads
that on the ticket page, behind a login. When the outbox reports an e-mail gone (outbox.signals
.email_sent), consent.receivers records it as a contact with the customer.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config.formatting import format_datetime_lazy
from consent.models import ContactObligation, data_action_label
from outbox.services import EmailSpec, email_builder, site_link
from tickets.notifications import ticket_reply_to

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _access_requested(obligation: ContactObligation) -> dict:
    request = obligation.access_request
    assert request is not None  # contact_obligation_names_its_cause
    # The scope's label stays lazy: it is rendered in the account's language at send time.
    return {"hours": request.duration_hours, "scope": data_action_label(request.scope, to_customer=True)}


def _emergency_action(obligation: ContactObligation) -> dict:
    intervention = obligation.intervention
    assert intervention is not None  # contact_obligation_names_its_cause
    # In UTC, as the audit log records it; written in the account's language when the e-mail is rendered.
    performed_at = format_datetime_lazy(intervention.performed_at, zone="UTC")
    return {"action": data_action_label(intervention.action, to_customer=True), "performed_at": performed_at}


# Each obligation's e-mail: its outbox kind (its templates are email/consent/<kind without "consent_">),
# its subject, and what the obligation's cause adds to the ticket in its context.
CONSENT_EMAILS: dict[str, tuple[str, "StrOrPromise", Callable[[ContactObligation], dict]]] = {
    ContactObligation.Kind.ASK_BEFORE_ACCESS: (
        "consent_access_requested",
        _("Ticket %(ticket)s: our support asks for access to your data"),
        _access_requested,
    ),
    ContactObligation.Kind.TELL_AFTER_EMERGENCY: (
        "consent_emergency_action",
        _("Ticket %(ticket)s: our support took an emergency action"),
        _emergency_action,
    ),
}
EMAIL_KIND_BY_OBLIGATION = {
    kind: email_kind for kind, (email_kind, _subject, _cause) in CONSENT_EMAILS.items()
}


def consent_email(pk: int) -> EmailSpec:
    """The e-mail about contact obligation `pk`, whichever its kind."""
    obligation = ContactObligation.objects.select_related(
        "ticket__customer", "access_request", "intervention"
    ).get(pk=pk)
    email_kind, subject, cause = CONSENT_EMAILS[obligation.kind]
    ticket = obligation.ticket
    return EmailSpec(
        customer=ticket.customer,
        template=f"email/consent/{email_kind.removeprefix('consent_')}",
        subject=subject,
        context={
            "ticket": ticket.pk,
            "ticket_id": ticket.pk,
            # The ticket's page of access requests: where a request is granted or denied, and the access log.
            "link": site_link(reverse("customer:consent:access", args=[ticket.pk])),
            **cause(obligation),
        },
        reply_to=ticket_reply_to(ticket.pk),
    )


for _email_kind in EMAIL_KIND_BY_OBLIGATION.values():
    email_builder(_email_kind)(consent_email)
