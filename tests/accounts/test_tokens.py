"""API tokens: one per login, expiring, listable and revocable by their owner, ended by a new password.

Each test here failed on the DRF `Token` the project used before: one key per user, for ever.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.mfa import mfa_required_for
from accounts.models import ApiToken
from accounts.tasks import expired_tokens_purge_task
from accounts.tokens import token_for_key, token_issue
from tests.factories import PASSWORD, UserFactory
from tests.mfa import fresh_code, totp_device

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"


def log_in(user, user_agent="pytest") -> dict:
    credentials = {"email": user.email, "password": PASSWORD}
    if mfa_required_for(user):  # staff add their app's code (SEC-10)
        credentials["otp"] = fresh_code(totp_device(user))
    response = APIClient().post(TOKEN, credentials, format="json", HTTP_USER_AGENT=user_agent)
    assert response.status_code == 200, response.content
    return response.json()


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_each_login_gets_its_own_token_with_its_expiry(customer):
    first, second = log_in(customer), log_in(customer)
    assert first["token"] != second["token"]
    assert len(first["token"]) == 40
    for issued in (first, second):
        assert bearer(issued["token"]).get("/api/v1/me/").status_code == 200
    expires = ApiToken.objects.get(pk=first["id"]).expires_at
    assert first["expires_at"] == expires.isoformat().replace("+00:00", "Z")


def test_the_key_itself_is_not_stored(customer):
    issued = log_in(customer)
    stored = ApiToken.objects.get(pk=issued["id"])
    assert issued["token"] not in {stored.digest, stored.prefix}
    assert not ApiToken.objects.filter(digest=issued["token"]).exists()


@pytest.mark.parametrize(
    ("role_fixture", "hours"),
    [("customer", 30 * 24), ("agent", 12), ("finance", 12), ("admin_user", 12)],
)
def test_the_lifetime_depends_on_the_role(request, role_fixture, hours):
    user = request.getfixturevalue(role_fixture)
    before = timezone.now()
    _, token = token_issue(user, second_factor=True)
    assert before + timedelta(hours=hours) <= token.expires_at <= timezone.now() + timedelta(hours=hours)


def test_the_lifetime_is_a_setting(customer, settings):
    settings.API_TOKEN_TTL_CUSTOMER = timedelta(hours=1)
    _, token = token_issue(customer)
    assert token.expires_at - token.created_at == timedelta(hours=1)


def test_an_expired_token_is_a_401(customer):
    key, token = token_issue(customer)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token."}


def test_the_owner_lists_their_live_tokens_without_the_keys(customer, agent):
    mine = [log_in(customer, user_agent=f"script {n}") for n in range(3)]
    token_issue(agent, second_factor=True)
    gone, gone_token = token_issue(customer)
    ApiToken.objects.filter(pk=gone_token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(mine[0]["token"]).get(TOKENS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [issued["id"] for issued in reversed(mine)]
    assert [row["label"] for row in rows] == ["script 2", "script 1", "script 0"]
    assert [row["current"] for row in rows] == [False, False, True]
    assert all(row["prefix"] == issued["token"][:8] for row, issued in zip(rows, reversed(mine), strict=True))
    assert not any(issued["token"] in str(response.content) for issued in mine)


def test_the_list_costs_the_same_for_many_tokens(customer, django_assert_max_num_queries):
    key, _ = token_issue(customer)
    for _ in range(30):
        token_issue(customer)
    client = bearer(key)
    client.get("/api/v1/me/")  # records the use: the list below is a read
    with django_assert_max_num_queries(2):
        response = client.get(TOKENS)
    assert len(response.json()["results"]) == 25 and response.json()["next"]


def test_the_owner_revokes_one_token_and_the_others_keep_working(customer):
    first, second = log_in(customer), log_in(customer)
    response = bearer(second["token"]).delete(f"{TOKENS}{first['id']}/")
    assert response.status_code == 204
    assert bearer(first["token"]).get("/api/v1/me/").status_code == 401
    assert bearer(second["token"]).get("/api/v1/me/").status_code == 200


def test_nobody_revokes_or_sees_another_users_token(customer, agent):
    victim = log_in(agent)
    attacker = bearer(log_in(customer)["token"])
    assert attacker.delete(f"{TOKENS}{victim['id']}/").status_code == 404
    assert victim["id"] not in [row["id"] for row in attacker.get(TOKENS).json()["results"]]
    assert bearer(victim["token"]).get("/api/v1/me/").status_code == 200


def test_logout_revokes_the_token_it_was_sent_with(customer):
    issued, other = log_in(customer), log_in(customer)
    client = bearer(issued["token"])
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert bearer(other["token"]).get("/api/v1/me/").status_code == 200


def test_logout_with_a_browser_session_ends_the_session(customer):
    client = Client(enforce_csrf_checks=False)
    client.force_login(customer)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_a_password_change_revokes_every_token(customer):
    keys = [log_in(customer)["token"] for _ in range(2)]
    customer.set_password("another long passphrase 42")
    customer.save()
    for key in keys:
        assert bearer(key).get("/api/v1/me/").status_code == 401


def test_a_password_reset_revokes_every_token(customer):
    key = log_in(customer)["token"]
    customer.refresh_from_db()  # the reset link depends on last_login, which the login moved
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    reset = f"/password-reset/{uid}/{default_token_generator.make_token(customer)}/"
    form = client.get(reset, follow=True)
    new_password = "a brand new passphrase 2026"
    response = client.post(
        form.request["PATH_INFO"], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302, response.content
    assert bearer(key).get("/api/v1/me/").status_code == 401


def test_deactivating_the_account_revokes_every_token(customer):
    key = log_in(customer)["token"]
    customer.is_active = False
    customer.save()
    assert token_for_key(key) is None
    assert bearer(key).get("/api/v1/me/").status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_tokens(customer):
    key = log_in(customer)["token"]
    customer.full_name = "Renamed"
    customer.save()
    assert bearer(key).get("/api/v1/me/").status_code == 200


def test_the_daily_purge_deletes_only_expired_tokens(customer):
    live, _ = token_issue(customer)
    _, dead = token_issue(customer)
    ApiToken.objects.filter(pk=dead.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expired_tokens_purge_task() == 1
    assert token_for_key(live) is not None


def test_use_is_recorded_at_most_once_a_minute(customer, django_assert_num_queries):
    key, token = token_issue(customer)
    assert token_for_key(key).last_used_at is not None
    with django_assert_num_queries(1):  # the lookup; no second UPDATE within the minute
        token_for_key(key)


def test_an_unknown_user_agent_does_not_break_the_label():
    user = UserFactory()
    response = APIClient().post(
        TOKEN, {"email": user.email, "password": PASSWORD}, format="json", HTTP_USER_AGENT="x" * 5000
    )
    assert response.status_code == 200
    assert len(ApiToken.objects.get(pk=response.json()["id"]).label) == 200


def test_issuing_a_token_creates_no_browser_session(customer):
    client = Client()
    response = client.post(
        TOKEN, {"email": customer.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
    assert client.get("/customer/").status_code == 302  # nobody is signed in in this browser


def test_a_signed_in_browser_that_asks_for_a_token_keeps_its_session(customer):
    client = Client()
    client.force_login(customer)
    response = client.post(
        TOKEN, {"email": customer.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert client.session[SESSION_KEY] == str(customer.pk)
    assert client.get("/customer/").status_code == 200
