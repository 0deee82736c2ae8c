"""Ends every API token of an account whose password changed or that was deactivated (SEC-11).

Browser sessions need no help: Django drops a session whose password hash no longer matches, and
refuses an inactive user's.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.tokens import tokens_revoke


@receiver(post_save, sender=User, dispatch_uid="accounts.tokens_end_with_credentials")
def _tokens_end_with_credentials(sender, instance: User, created: bool, **kwargs) -> None:
    if created:
        return
    if getattr(instance, "password_changed", False) or not instance.is_active:
        tokens_revoke(instance)
        instance.password_changed = False
