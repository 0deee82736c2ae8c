"""Per-request account behaviour of the portals: the account's language, session lifetimes, the second factor."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from accounts import mfa
from accounts.permissions import is_staff_member

_STARTED_AT = "session_started_at"
_PUSHED_AT = "session_expiry_pushed_at"
# Pushing the idle expiry back writes the session row (an UPDATE and a commit). Doing it at most once a
# minute keeps the idle timeout, to the minute, without a write on every page view (docs/performance.md).
PUSH_EVERY_SECONDS = 60


class AccountLanguageMiddleware:
    """The account's language unless the person chose one with the switch (Django's set_language cookie).

    LocaleMiddleware runs before authentication, so it can only guess from the cookie or the browser;
    here the user is known and their account's language wins over the browser's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if not chosen and user is not None and user.is_authenticated:
            language = user.preferred_language
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def session_idle_seconds(user) -> int:
    """How long a session of this user lives without a request (SEC-11: shorter for staff)."""
    return (
        settings.SESSION_IDLE_SECONDS_STAFF
        if is_staff_member(user)
        else settings.SESSION_IDLE_SECONDS_CUSTOMER
    )


def session_lifetime_start(session, user) -> None:
    """Start a new login's clock: its absolute lifetime runs from now, and so does its idle timeout.

    Called at login (accounts.signals), not at the first request after it: a cookie that is never used
    still expires when it is idle for too long, and 12 hours after the login at the latest.
    """
    session[_STARTED_AT] = session[_PUSHED_AT] = int(time.time())
    session.set_expiry(min(session_idle_seconds(user), settings.SESSION_ABSOLUTE_SECONDS))


class SessionLifetimeMiddleware:
    """SEC-11: an idle timeout (shorter for staff) and an absolute lifetime from login.

    Both are also the session row's expiry (set at login, pushed back by activity, never past the
    absolute end), so a session past either is gone from the store even if no request ever comes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(_STARTED_AT)
            # No start: a session from before logins were stamped; its age is unknown, so it is over.
            if started is None or now - started >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
            elif now - request.session.get(_PUSHED_AT, 0) >= PUSH_EVERY_SECONDS:
                # Activity pushes the expiry back, but never past the absolute end.
                request.session[_PUSHED_AT] = now
                request.session.set_expiry(
                    min(session_idle_seconds(user), started + settings.SESSION_ABSOLUTE_SECONDS - now)
                )
        return self.get_response(request)


class SecondFactorMiddleware:
    """SEC-10: a session that owes a second factor reaches only the pages that let it give or enrol one.

    Every other portal page and the Django admin redirect to the verify page (an account with a device)
    or to the security page (an account that must enrol one). The API answers for itself: its session
    authentication refuses such a session with 403 `mfa_required` (accounts.authentication).
    """

    # Reachable without the second factor: logging in and out, the language switch, static files, the
    # passkey ceremonies (django-otp-webauthn refuses to register a passkey over an unverified device).
    OPEN_PREFIXES = (
        "/login/",
        "/logout/",
        "/i18n/",
        "/static/",
        "/webauthn/",
        "/api/v1/",  # the API answers for itself; its docs page (/api/docs/) is a page like any other
        "/health/",
        "/csp-report/",
    )
    ENROLMENT_PREFIX = "/account/security/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path_info
        if (
            user is not None
            and not path.startswith(self.OPEN_PREFIXES)
            and mfa.session_owes_second_factor(user, request.session)
        ):
            if mfa.has_second_factor(user) or mfa.test_secret_usable_by(user):
                target = reverse("mfa_verify")
            elif path.startswith(self.ENROLMENT_PREFIX):
                return self.get_response(request)
            else:
                target = reverse("mfa_security")
            if request.method == "GET":
                target = f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
            return HttpResponseRedirect(target)
        return self.get_response(request)
