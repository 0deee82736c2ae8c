from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        from consent import notifications, receivers  # noqa: F401 - registers e-mails, connects receivers
        from consent.selectors import ticket_contact_pending
        from tickets.selectors import staff_list_flag

        staff_list_flag(
            "contact_pending",
            ticket_contact_pending,
            label=_("contact owed"),
            help_text="The provider still owes the customer a contact about work on its data.",
        )
