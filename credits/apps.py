from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = "SLA credits"

    def ready(self):
        from credits.api import SlaCreditOutput
        from tickets.api import ticket_output_part

        ticket_output_part("sla_credit", SlaCreditOutput, select_related=["credit_note"])
