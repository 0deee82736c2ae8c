from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = "SLA credits"

    def ready(self):
        from credits import receivers  # noqa: F401 - connects the ban's receiver
        from credits.api import SlaCreditOutput
        from tickets.api import ticket_output_part

        ticket_output_part("sla_credit", SlaCreditOutput, select_related=["credit_note"])
