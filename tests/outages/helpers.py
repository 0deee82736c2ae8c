"""Provider incidents for the tests: written, and published, through the services."""

from datetime import timedelta

from django.utils import timezone

from outages.services import incident_create, incident_publish

TEXTS = {
    "title_en": "Paris data centre: network outage",
    "title_fr": "Centre de données de Paris : panne réseau",
    "title_de": "Rechenzentrum Paris: Netzwerkausfall",
    "body_en": "Our network in Paris is down.",
    "body_fr": "Notre réseau à Paris est en panne.",
    "body_de": "Unser Netzwerk in Paris ist ausgefallen.",
}


def draft(by, **overrides):
    values = {
        **TEXTS,
        "starts_at": timezone.now() - timedelta(hours=1),
        "service_kinds": ["dedicated_server"],
        **overrides,
    }
    return incident_create(by=by, **values)


def published(by, **overrides):
    return incident_publish(incident=draft(by, **overrides), by=by)


def api_body(**overrides) -> dict:
    return {
        **TEXTS,
        "starts_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "service_kinds": ["dedicated_server"],
        **overrides,
    }
