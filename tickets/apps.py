from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from accounts.templatetags.portal_nav import menu_counts
        from tickets import notifications, receivers  # noqa: F401 - registers e-mails, connects the ban receiver
        from tickets.presenters import staff_menu_counts

        menu_counts("staff", staff_menu_counts)
