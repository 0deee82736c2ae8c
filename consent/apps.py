from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        from consent import notifications, receivers  # noqa: F401 - registers e-mails, connects receivers
