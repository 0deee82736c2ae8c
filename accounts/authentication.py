"""`Authorization: Token <key>` against the expiring, revocable tokens of accounts.tokens, and the browser's
session; both refused while the account owes a second factor (SEC-10)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from accounts.mfa import mfa_required_for, session_owes_second_factor
from accounts.tokens import token_for_key


class MfaRequired(exceptions.PermissionDenied):
    """403 `mfa_required`: the credentials are right but no second factor was given with them."""

    default_detail = _("This account must give a second factor (an authenticator app code or a passkey).")
    default_code = "mfa_required"


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            # One message for a key that never existed, expired or was revoked: nothing to probe.
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not token.second_factor and mfa_required_for(token.user):
            # A token issued on a password alone (before MFA, or with MFA off) no longer opens staff access.
            raise MfaRequired(
                _("This token was issued without a second factor; obtain a new one with `otp`.")
            )
        return token.user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF-checked), refusing a session that owes a second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        # A request made in code (drf-spectacular's per-user schema, a test's factory) has no session object.
        session = getattr(request._request, "session", None)
        if result is not None and session_owes_second_factor(result[0], session):
            raise MfaRequired()
        return result


class VerifiedSessionScheme(SessionScheme):
    """The schema documents the session as drf-spectacular documents Django's (cookie `sessionid`)."""

    target_class = "accounts.authentication.VerifiedSessionAuthentication"
