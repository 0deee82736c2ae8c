"""Second factors in tests, as a person would give them: an enrolled authenticator app and its codes.

`browser(user)` (tests/portals.py) logs staff in with a session django-otp verified with such an app, as
the verify page leaves it; the tests of the MFA flow itself go through the pages.
"""

import time

import pyotp
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa


def totp_device(user) -> TOTPDevice:
    """The user's authenticator app, enrolled (confirmed) once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, name=mfa.TOTP_DEVICE).first()
    return device or TOTPDevice.objects.create(user=user, name=mfa.TOTP_DEVICE, confirmed=True)


def code_of(device: TOTPDevice, *, at: float | None = None) -> str:
    """What the app shows now (or at `at`), computed by pyotp as an authenticator app would."""
    return pyotp.TOTP(mfa.totp_secret(device)).at(int(at if at is not None else time.time()))


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: when this 30 s step was already used (two logins in a
    row), the device forgets it, as if the next step had come."""
    device.refresh_from_db()
    if device.last_t >= int(time.time()) // device.step:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
        device.refresh_from_db()
    return code_of(device)


def verify_session(client: Client, user) -> TOTPDevice:
    """Mark the client's session as verified with the user's app, as django_otp.login() does."""
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def give_code(client: Client, user):
    """The verify page's step of a login, with a fresh code of the user's app."""
    return client.post(reverse("mfa_verify"), {"code": fresh_code(totp_device(user))})


class VerifiedClient(Client):
    """A test client whose force_login() leaves a staff member's session verified with their app, as the
    verify page would: a logged-in staff member has given the second factor (SEC-10). A session without it
    is what tests/security/test_mfa_enforcement.py builds with a plain Client."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if mfa.mfa_required_for(user):
            verify_session(self, user)
