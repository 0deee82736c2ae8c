from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from tickets import notifications, receivers  # noqa: F401 - registers e-mails, connects the ban receiver
