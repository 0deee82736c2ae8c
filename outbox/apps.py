from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from config.metrics import EMAILS_PENDING
        from outbox.models import SentEmail

        # Read at each scrape, from the partial index of the rows not sent yet.
        EMAILS_PENDING.read_with(lambda: SentEmail.objects.filter(sent_at__isnull=True).count())
