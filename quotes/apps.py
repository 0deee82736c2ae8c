from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = "Quotes"

    def ready(self):
        from quotes import notifications  # noqa: F401 - registers its e-mails
        from quotes.api import QuoteOutput
        from tickets.api import ticket_output_part

        ticket_output_part("quote", QuoteOutput, prefetch_related=["lines"])
