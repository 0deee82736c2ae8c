"""Provider incident use cases. Each locks the incident's row, then applies one transition or change."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import Service
from config.errors import InvalidTransition
from config.transitions import transition_save
from diagnostics.services import diagnosis_conclude
from outages.models import ProviderIncident
from tickets.fees import Outcome
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_lock, ticket_start_diagnosis, tickets_record

TEXT_FIELDS = ("title_en", "title_fr", "title_de", "body_en", "body_fr", "body_de")
# A ticket the incident may explain: an incident whose diagnosis is not concluded yet.
LINKABLE_STATES = (Ticket.State.OPEN, Ticket.State.DIAGNOSING)
SERVICES_MAX = 1000
# Moments an incident may have: a typo of a century would show (and waive fees) absurdly.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=366)  # named one by one; a whole kind of service is named by its kind


def _checked(
    *,
    starts_at: datetime,
    ends_at: datetime | None = None,
    service_kinds: Sequence[str] = (),
    service_ids: Sequence[int] = (),
    **texts: str,
) -> tuple[dict, list[int]]:
    """The incident's fields as stored, and its services' ids; a 400 naming each field that is wrong."""
    errors: dict[str, list[str]] = {}
    if set(texts) - set(TEXT_FIELDS):
        raise TypeError(f"unknown incident fields: {sorted(set(texts) - set(TEXT_FIELDS))}")
    for name in TEXT_FIELDS:
        if not (texts.get(name) or "").strip():
            errors[name] = [_("This text is shown to the public in each language: write it.")]
    kinds = sorted(set(service_kinds))
    if set(kinds) - set(Service.Kind.values):
        errors["service_kinds"] = [_("Unknown kind of service.")]
    ids = sorted(set(service_ids))
    if len(ids) > SERVICES_MAX:
        errors["services"] = [
            _("Name at most %(count)s services; name a kind for more.") % {"count": SERVICES_MAX}
        ]
    elif ids and Service.objects.filter(pk__in=ids).count() != len(ids):
        errors["services"] = [_("Some of these services do not exist.")]
    if not kinds and not ids:
        errors["service_kinds"] = [_("Name the kinds of service or the services affected.")]
    earliest, latest = EARLIEST, timezone.now() + LATEST_AHEAD
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and not earliest <= moment <= latest:
            errors[name] = [_("Give a moment between the year 2000 and a year from now.")]
    if "ends_at" not in errors and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    if errors:
        raise ValidationError(errors)
    values = {name: texts[name].strip() for name in TEXT_FIELDS}
    return {**values, "starts_at": starts_at, "ends_at": ends_at, "service_kinds": kinds}, ids


@transaction.atomic
def incident_create(*, by, **fields) -> ProviderIncident:
    """A draft incident: nobody but staff sees it, and it waives no fee until it is published.

    `fields`: the texts (TEXT_FIELDS), `starts_at`, `ends_at` (None while under way), `service_kinds`,
    `service_ids`.
    """
    values, ids = _checked(**fields)
    incident = ProviderIncident.objects.create(created_by=by, **values)
    incident.services.set(ids)
    return incident


def _locked(incident: ProviderIncident) -> ProviderIncident:
    return ProviderIncident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def incident_update(*, incident: ProviderIncident, by, **fields) -> ProviderIncident:
    """A draft is rewritten whole (the fields of incident_create); once published, what customers read
    and what was free stay as they were."""
    values, ids = _checked(**fields)
    incident = _locked(incident)
    if incident.status != ProviderIncident.State.DRAFT:
        raise InvalidTransition("Only a draft incident can be edited.")
    for name, value in values.items():
        setattr(incident, name, value)
    incident.updated_at = timezone.now()
    incident.save(update_fields=[*values, "updated_at"])
    incident.services.set(ids)
    return incident


@transaction.atomic
def incident_publish(*, incident: ProviderIncident, by) -> ProviderIncident:
    """On the status page from now on; while under way, incident tickets on its services are free."""
    incident = _locked(incident)
    transition_save(incident, ProviderIncident.publish)
    return incident


@transaction.atomic
def incident_resolve(*, incident: ProviderIncident, by, ends_at: datetime | None = None) -> ProviderIncident:
    """The incident is over: it ended at `ends_at` (now if not given, never later than now)."""
    incident = _locked(incident)
    now = timezone.now()
    end = min(ends_at or incident.ends_at or now, now)
    if incident.status == ProviderIncident.State.PUBLISHED and (end <= incident.starts_at or end < EARLIEST):
        raise ValidationError({"ends_at": [_("The end must come after the start.")]})
    transition_save(incident, ProviderIncident.resolve, ends_at=end)
    return incident


@transaction.atomic
def incident_link_tickets(*, incident: ProviderIncident, ticket_ids: Sequence[int], by) -> list[int]:
    """Staff say these incident tickets are explained by the incident; all of them or none (a 400).

    Their fee stays as accepted: concluding them as `provider_fault` is what bills nothing.
    """
    incident = _locked(incident)
    if incident.status == ProviderIncident.State.DRAFT:
        raise InvalidTransition("A draft incident explains no ticket yet: publish it first.")
    ids = sorted(set(ticket_ids))
    tickets = list(
        Ticket.objects.filter(pk__in=ids)
        .only("id", "kind", "status", "provider_incident_id")
        .select_for_update()
    )
    found = {ticket.pk: ticket for ticket in tickets}
    wrong = [
        pk
        for pk in ids
        if pk not in found
        or found[pk].kind != Ticket.Kind.INCIDENT
        or found[pk].status not in LINKABLE_STATES
        or found[pk].provider_incident_id not in (None, incident.pk)
    ]
    if not ids or wrong:
        raise ValidationError(
            {
                "tickets": [
                    _(
                        "Only incident tickets still open or in diagnosis, and linked to no other incident, "
                        "can be linked: %(ids)s."
                    )
                    % {"ids": ", ".join(f"#{pk}" for pk in wrong) or "-"}
                ]
            }
        )
    linked = [pk for pk in ids if found[pk].provider_incident_id is None]
    if linked:
        Ticket.objects.filter(pk__in=linked).update(provider_incident=incident)
        tickets_record(
            ticket_ids=linked,
            verb=TicketEvent.Verb.INCIDENT_LINKED,
            actor=by,
            detail={"provider_incident": incident.pk},
        )
    return linked


@dataclass
class BulkConclusion:
    """What concluding the linked tickets did, ticket by ticket."""

    concluded: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # ticket id: why it was left as it was


def incident_conclude_linked(*, incident: ProviderIncident, findings: str, by) -> BulkConclusion:
    """Conclude every linked ticket still open or in diagnosis as `provider_fault` (nothing billed), each
    through the diagnosis conclusion a person would use, in its own savepoint: a ticket that cannot be
    concluded (someone acted on it meanwhile) is reported and the others go on.

    The incident's row lock makes two bulk actions at once run one after the other; the second finds the
    tickets concluded and does nothing.
    """
    if not findings.strip():
        raise ValidationError({"findings": [_("Say what the diagnosis found: the customers read it.")]})
    result = BulkConclusion()
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status == ProviderIncident.State.DRAFT:
            raise InvalidTransition("A draft incident explains no ticket yet: publish it first.")
        ids = list(
            Ticket.objects.filter(provider_incident=incident, status__in=LINKABLE_STATES)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        for pk in ids:
            try:
                with transaction.atomic():
                    ticket = ticket_lock(ticket=Ticket(pk=pk))
                    if ticket.status == Ticket.State.OPEN:
                        ticket = ticket_start_diagnosis(ticket=ticket, by=by)
                    diagnosis_conclude(
                        ticket=ticket, findings=findings, outcome=Outcome.PROVIDER_FAULT, by=by
                    )
            except (TransitionNotAllowed, ValidationError) as error:
                result.failed[pk] = "; ".join(getattr(error, "messages", [str(error)]))
            else:
                result.concluded.append(pk)
    return result
