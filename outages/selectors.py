"""Reads of provider incidents: what the public sees, what staff see, what a service is affected by."""

from collections.abc import Sequence
from datetime import datetime

from accounts.models import Service
from outages.models import ProviderIncident
from tickets.models import Ticket


def incidents_affecting(services: Sequence[Service], at: datetime) -> dict[int, int]:
    """{service id: the earliest known incident under way at `at` that affects it}, for those affected.

    One query when nothing is under way (the usual case: every "report an incident" page asks), two otherwise.
    Active incidents are few, so the kinds are matched here (SQLite has no JSON containment).
    """
    active = list(
        ProviderIncident.objects.active(at=at).order_by("starts_at", "id").values_list("pk", "service_kinds")
    )
    if not active:
        return {}
    order = {pk: position for position, (pk, _kinds) in enumerate(active)}
    named: dict[int, int] = {}
    for service_id, incident_id in (
        ProviderIncident.services.through.objects.filter(
            providerincident_id__in=order, service_id__in=[service.pk for service in services]
        )
        .order_by("providerincident_id")
        .values_list("service_id", "providerincident_id")
    ):
        if service_id not in named or order[incident_id] < order[named[service_id]]:
            named[service_id] = incident_id
    found = {}
    for service in services:
        by_kind = next((pk for pk, kinds in active if service.kind in kinds), None)
        candidates = [pk for pk in (named.get(service.pk), by_kind) if pk is not None]
        if candidates:
            found[service.pk] = min(candidates, key=order.__getitem__)
    return found


def incidents_public():
    """Published and resolved incidents, newest first: the status page and the public API."""
    return ProviderIncident.objects.published().order_by("-starts_at", "-id")


def incidents_for_staff():
    return ProviderIncident.objects.order_by("-id")


def incident_tickets(*, incident: ProviderIncident):
    """The tickets linked to the incident, oldest first."""
    return (
        Ticket.objects.filter(provider_incident=incident)
        .select_related("customer")
        .only("id", "subject", "status", "kind", "customer__name", "created_at", "provider_incident_id")
        .order_by("id")
    )
