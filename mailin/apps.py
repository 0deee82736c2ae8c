from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "mailin"
    verbose_name = "E-mail in"

    def ready(self) -> None:
        from mailin import notifications  # noqa: F401 - registers the outbox builders of its answers
