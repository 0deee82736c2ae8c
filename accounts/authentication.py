"""`Authorization: Token <key>` against the expiring, revocable tokens of accounts.tokens."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.tokens import token_for_key


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            # One message for a key that never existed, expired or was revoked: nothing to probe.
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
