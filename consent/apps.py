from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        from consent import notifications, receivers  # noqa: F401 - registers e-mails, connects receivers
        from consent.selectors import access_requests_waiting_for, ticket_contact_pending
        from tickets.selectors import CustomerDecision, customer_decision, staff_list_flag

        staff_list_flag(
            "contact_pending",
            ticket_contact_pending,
            label=_("contact owed"),
            help_text="The provider still owes the customer a contact about work on its data.",
        )
        customer_decision(
            CustomerDecision(
                name="access_requests",
                pending=access_requests_waiting_for,
                describe=lambda request: (
                    _("%(scope)s, for %(hours)s hours once granted")
                    % {"scope": request.scope_label_to_customer, "hours": request.duration_hours}
                ),
                title=_("Access requests awaiting your decision"),
                notice=_("Our support asks for access to your data on this ticket: grant or deny it."),
                url_name="customer:consent:access",
            )
        )
