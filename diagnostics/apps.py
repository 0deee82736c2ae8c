from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics"

    def ready(self):
        from diagnostics import notifications, receivers  # noqa: F401 - registers e-mails, connects receivers
