"""API tokens: issued at each login, expiring, listable and revocable by their owner (SEC-11).

A token lives `API_TOKEN_TTL_STAFF` (12 hours) for staff and `API_TOKEN_TTL_CUSTOMER` (30 days) for
customers, counted from its issue. Changing or resetting the password, or deactivating the account,
revokes every token of the account (`accounts.signals`); logging out revokes the one used.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.permissions import is_staff_member

# Writing last_used_at on every call would turn each authenticated read into a write; a minute is
# precise enough to tell a forgotten token from one in use.
LAST_USED_PRECISION = timedelta(minutes=1)
PREFIX_LENGTH = 8


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_lifetime(user: User) -> timedelta:
    return settings.API_TOKEN_TTL_STAFF if is_staff_member(user) else settings.API_TOKEN_TTL_CUSTOMER


def token_issue(user: User, *, second_factor: bool = False, label: str = "") -> tuple[str, ApiToken]:
    """A new key for `user`; the key itself is returned once and never stored."""
    key = secrets.token_hex(20)  # 40 characters, as DRF's keys, so clients' storage fits
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=digest_of(key),
        prefix=key[:PREFIX_LENGTH],
        label=label[:200],
        second_factor=second_factor,
        created_at=now,
        expires_at=now + token_lifetime(user),
    )
    return key, token


def token_for_key(key: str) -> ApiToken | None:
    """The live token that `key` names, its use recorded; None for an unknown, expired or revoked key."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__customer")
        .filter(digest=digest_of(key), expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The owner's live tokens, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-id")


def tokens_revoke(user: User) -> int:
    """Every token of `user` stops working now (password changed, account deactivated)."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def expired_tokens_purge() -> int:
    deleted, _ = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
