from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics"

    def ready(self):
        from diagnostics.api import DiagnosisOutput
        from tickets.api import ticket_output_part

        ticket_output_part("diagnosis", DiagnosisOutput)
