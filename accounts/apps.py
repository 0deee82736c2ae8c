from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import (
            checks,  # noqa: F401  (registers the deploy checks: billing entities, MFA)
            signals,  # noqa: F401  (API tokens end with a password change)
        )
