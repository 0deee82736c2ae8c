from django.apps import AppConfig


class OutagesConfig(AppConfig):
    name = "outages"
    verbose_name = "Provider incidents"

    def ready(self):
        from billing.pricing import known_incident_lookup
        from outages.selectors import incidents_affecting

        # The fee is decided in billing (diagnosis_fee_for), which knows no incident: it asks here.
        known_incident_lookup(incidents_affecting)
