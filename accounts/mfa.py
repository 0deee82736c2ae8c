"""SEC-10: who owes a second factor, checking one, and enrolling or removing one.

The devices are django-otp's: a TOTP device per authenticator app (a code is accepted once: the
device remembers the last time step used, `last_t`), one static device holding the recovery codes
(each deleted when used), and django-otp-webauthn's passkeys. The portal, the admin (through the
portal's verify page), the API's session and token authentication and the token endpoint all ask here.

`settings.MFA_TEST_SECRET` is the documented way automated clients keep working: a staff account with no
device of its own may give a TOTP code computed from that shared secret; it is held by a device named
`TEST_SECRET_DEVICE`, which counts for nothing once the setting is gone. Unlike an app's codes, a code of
the test secret may serve several logins within its 30 seconds: scripts and test suites log in often. `check --deploy` warns while it is set.

Every event is logged on `security.mfa` with the user's id and the method (SEC-26): never a code, a
secret or a recovery code.
"""

import logging
from base64 import b32decode
from binascii import Error as BinasciiError
from binascii import hexlify

from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from accounts.permissions import is_staff_member
from config.security import client_ip

logger = logging.getLogger("security.mfa")

TOTP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
TEST_SECRET_DEVICE = "DJANGO_MFA_TEST_SECRET"
RECOVERY_CODE_COUNT = 10


def mfa_required_for(user) -> bool:
    """Every role but the customer's must give a second factor (while `MFA_REQUIRED` is on)."""
    return bool(settings.MFA_REQUIRED) and is_staff_member(user)


def _totp_devices(user: User):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exclude(name=TEST_SECRET_DEVICE)


def passkeys_of(user: User):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("id")


def has_second_factor(user) -> bool:
    """An authenticator app or a passkey of the user's own (recovery codes alone are no enrolment)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _totp_devices(user).exists() or passkeys_of(user).exists()


def test_secret_usable_by(user) -> bool:
    """The shared test secret stands in for a device only for a staff account that has none."""
    return bool(settings.MFA_TEST_SECRET) and mfa_required_for(user) and not has_second_factor(user)


def second_factor_due(user) -> bool:
    """A login of this user must give a second factor: staff always, customers once enrolled."""
    return mfa_required_for(user) or has_second_factor(user)


def session_verified(user) -> bool:
    """The session gave a second factor that still counts (django-otp's OTPMiddleware set it up)."""
    if not getattr(user, "is_verified", lambda: False)():
        return False
    device = getattr(user, "otp_device", None)
    if isinstance(device, TOTPDevice) and device.name == TEST_SECRET_DEVICE:
        return bool(settings.MFA_TEST_SECRET)  # the test secret's sessions end with the setting
    return True


# Whether a customer enrolled is read once per session: two queries on every page otherwise. A device
# enrolled elsewhere counts from the next login; enrolling or verifying here marks the session verified.
_CUSTOMER_DUE = "mfa_customer_due"


def session_owes_second_factor(user, session=None) -> bool:
    """A logged-in user whose session has not given the second factor it owes."""
    if not getattr(user, "is_authenticated", False) or session_verified(user):
        return False
    if mfa_required_for(user):
        return True
    if session is None:
        return has_second_factor(user)
    if _CUSTOMER_DUE not in session:
        session[_CUSTOMER_DUE] = has_second_factor(user)
    return bool(session[_CUSTOMER_DUE])


def session_reread(session) -> None:
    """Read whether a customer enrolled again at the next request (the verify page does, so that a device
    removed in another session does not keep this one at the verify page)."""
    session.pop(_CUSTOMER_DUE, None)


def _normalised(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()


def _test_secret_device(user: User) -> TOTPDevice | None:
    try:
        key = hexlify(
            b32decode(settings.MFA_TEST_SECRET.upper() + "=" * (-len(settings.MFA_TEST_SECRET) % 8))
        )
    except (BinasciiError, ValueError):
        logger.error("DJANGO_MFA_TEST_SECRET is not base32; it is ignored")
        return None
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=TEST_SECRET_DEVICE, defaults={"key": key.decode(), "confirmed": True}
    )
    if device.key != key.decode():  # the secret was changed: its codes start afresh
        device.key, device.last_t = key.decode(), -1
        device.save(update_fields=["key", "last_t"])
    return device


def verify_code(user: User, code: str, *, request=None) -> Device | None:
    """The device that accepts `code` (a TOTP code, once, or a recovery code, once), else None.

    `request` names where the attempt came from in the log (the client IP as django-axes sees it)."""
    code = _normalised(code or "")
    device: Device | None = None
    if code.isdigit() and len(code) == 6:
        candidates: list[Device] = list(_totp_devices(user))
        if not candidates and test_secret_usable_by(user):
            test_device = _test_secret_device(user)
            candidates = [test_device] if test_device else []
        with transaction.atomic():
            # Locked: two requests with the same code at once accept it once (last_t).
            for candidate in candidates:
                locked = type(candidate).objects.select_for_update().get(pk=candidate.pk)
                if getattr(locked, "name", None) == TEST_SECRET_DEVICE:
                    # Automated clients log several times a minute: the test secret's code of the current
                    # step serves each of them (never in production: check --deploy warns while it is set).
                    locked.last_t = -1
                if locked.verify_token(code):
                    device = locked
                    break
    elif code.isalnum() and len(code) <= 16:
        with transaction.atomic():
            for static in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if static.verify_token(code):
                    device = static
                    break
    kind = "recovery code" if isinstance(device, StaticDevice) else "totp"
    where = client_ip(request) if request is not None else None
    if device is None:
        logger.warning("second factor refused: user=%s ip=%s", user.pk, where)
    else:
        logger.info(
            "second factor accepted: user=%s method=%s device=%s ip=%s", user.pk, kind, device.pk, where
        )
    return device


def totp_enrolment_start(user: User) -> TOTPDevice:
    """A new authenticator app, unconfirmed until it gives a code (the one started earlier is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE, confirmed=False)


def totp_enrolment_pending(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, for typing into an app that cannot scan the QR code."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing inline to run)."""
    import segno

    # segno writes only paths and attributes of its own; the URL is encoded in the drawing, not as text.
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, title=None))  # noqa: S308


def totp_enrolment_confirm(user: User, code: str) -> TOTPDevice | None:
    """The pending app becomes the user's second factor once it gives a right code."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        )
        if device is None or not device.verify_token(_normalised(code or "")):
            logger.warning("authenticator app enrolment refused: user=%s", user.pk)
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    logger.info("authenticator app enrolled: user=%s device=%s", user.pk, device.pk)
    return device


def recovery_codes_generate(user: User) -> list[str]:
    """New recovery codes, replacing the old ones; shown this once (they are stored as django-otp does)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    logger.info("recovery codes generated: user=%s count=%s", user.pk, len(codes))
    return codes


def recovery_codes_missing(user: User) -> bool:
    """Enrolled (a passkey registered first) but never given recovery codes."""
    return has_second_factor(user) and not StaticDevice.objects.filter(user=user).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def devices_of(user: User) -> dict:
    return {
        "totp": list(_totp_devices(user).order_by("id")),
        "passkeys": list(passkeys_of(user)),
        "recovery_codes_left": recovery_codes_left(user),
    }


def device_remove(user: User, *, kind: str, pk: int) -> bool:
    """Remove one of the user's own apps or passkeys; with the last one go the recovery codes."""
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        return False
    with transaction.atomic():
        deleted, _ = model.objects.filter(user=user, pk=pk).exclude(name=TEST_SECRET_DEVICE).delete()
        if deleted and not has_second_factor(user):
            StaticDevice.objects.filter(user=user).delete()
    if deleted:
        logger.info("second factor removed: user=%s kind=%s device=%s", user.pk, kind, pk)
    return bool(deleted)
