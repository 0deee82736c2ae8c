"""SEC-11: a browser session's lifetime starts at login; every API token of an account whose password
changed or that was deactivated ends.

Browser sessions need no help for the latter: Django drops a session whose password hash no longer
matches, and refuses an inactive user's.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.middleware import session_lifetime_start
from accounts.models import User
from accounts.tokens import tokens_revoke


@receiver(user_logged_in, dispatch_uid="accounts.session_lifetime_start")
def _session_lifetime_start(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    # Only a browser login, which has just put the user in the session: issuing an API token is a login
    # too (last_login, django-axes) but must not create a session.
    if session is not None and session.get(SESSION_KEY) == user._meta.pk.value_to_string(user):
        session_lifetime_start(session, user)


@receiver(post_save, sender=User, dispatch_uid="accounts.tokens_end_with_credentials")
def _tokens_end_with_credentials(sender, instance: User, created: bool, **kwargs) -> None:
    if created:
        return
    if getattr(instance, "password_changed", False) or not instance.is_active:
        tokens_revoke(instance)
        instance.password_changed = False
