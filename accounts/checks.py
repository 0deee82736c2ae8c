"""`manage.py check --deploy`: a billing entity that would print placeholder or missing legal data; MFA
switched off or opened to the shared test secret."""

from base64 import b32decode
from binascii import Error as BinasciiError

from django.conf import settings
from django.core.checks import Error as CheckError
from django.core.checks import Warning as CheckWarning
from django.core.checks import register
from django.db import DatabaseError

from accounts.models import BillingEntity

# What every invoice must name of its seller (VAT Directive art. 226; LAW-01).
LEGAL_IDENTIFIERS = ("legal_name", "address", "vat_id", "company_id", "iban")


@register(deploy=True)
def billing_entities_have_their_legal_identifiers(app_configs=None, **kwargs):
    try:
        entities = list(BillingEntity.objects.all())
    except DatabaseError:  # no database yet (a build step) or not migrated: nothing to check
        return []
    warnings = []
    for entity in entities:
        missing = [field for field in LEGAL_IDENTIFIERS if not getattr(entity, field)]
        if missing:
            warnings.append(
                CheckWarning(
                    f"Billing entity {entity.country} lacks {', '.join(missing)}.",
                    hint="Enter them in the admin (Billing entities) before it issues invoices.",
                    obj=entity,
                    id="accounts.W001",
                )
            )
        if entity.is_demo:
            warnings.append(
                CheckWarning(
                    f"Billing entity {entity.country} holds demo data ({entity.legal_name}).",
                    hint="Enter the company's real identifiers in the admin and clear 'demo data'; "
                    "until then it issues nothing unless DJANGO_DEMO_ENTITIES_MAY_ISSUE is on.",
                    obj=entity,
                    id="accounts.W002",
                )
            )
    return warnings


@register()
def mfa_test_secret_is_base32(app_configs=None, **kwargs):
    """A DJANGO_MFA_TEST_SECRET that is not base32 would be ignored: the automated clients would fail at login."""
    secret = settings.MFA_TEST_SECRET
    try:
        b32decode(secret.upper() + "=" * (-len(secret) % 8))
    except (BinasciiError, ValueError):
        return [
            CheckError(
                "DJANGO_MFA_TEST_SECRET is not a base32 string.",
                hint="Use the secret an authenticator app would scan, e.g. from pyotp.random_base32().",
                id="accounts.E001",
            )
        ]
    return []


@register(deploy=True)
def second_factor_is_enforced(app_configs=None, **kwargs):
    """SEC-10: production never runs with MFA off or with the shared test secret, unless someone chose to."""
    warnings = []
    if settings.MFA_TEST_SECRET:
        warnings.append(
            CheckWarning(
                "DJANGO_MFA_TEST_SECRET is set: staff accounts without a device of their own log in with codes "
                "computed from a shared secret.",
                hint="Unset it in production; enrol each automated client's account with its own device.",
                id="accounts.W003",
            )
        )
    if not settings.MFA_REQUIRED:
        warnings.append(
            CheckWarning(
                "DJANGO_MFA_REQUIRED is off: agents, finance and admins log in with a password alone.",
                hint="Remove DJANGO_MFA_REQUIRED (default: on).",
                id="accounts.W004",
            )
        )
    return warnings
