"""SEC-07: 5 failed logins of one (e-mail, client IP) pair lock that pair for 15 minutes.

The token endpoint answers 400 for bad credentials (the contract) and 429 with Retry-After from the
fifth failure on, while the lock lasts, even for the right password. The portal login answers 429 with
the lockout page. The IP is REMOTE_ADDR unless trusted proxies are configured.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.mfa import fresh_code, totp_device

TOKEN = "/api/v1/auth/token/"


def token(email, password, ip="203.0.113.7", otp=None, **extra):
    body = {"email": email, "password": password} | ({"otp": otp} if otp else {})
    return APIClient().post(TOKEN, body, format="json", REMOTE_ADDR=ip, **extra)


def fail(email, times, ip="203.0.113.7", **extra):
    return [token(email, "wrong-password-123", ip=ip, **extra).status_code for _ in range(times)]


def test_four_failures_are_plain_400s_and_the_fifth_locks(customer):
    assert fail(customer.email, 4) == [400] * 4
    locked = token(customer.email, "wrong-password-123")
    assert locked.status_code == 429
    assert locked.json() == {"detail": locked.json()["detail"]}
    assert int(locked.headers["Retry-After"]) == 15 * 60


def test_the_right_password_is_refused_during_the_lock_and_accepted_after_it(customer):
    fail(customer.email, 5)
    assert token(customer.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert token(customer.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = token(customer.email, PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_lock_is_per_pair_another_address_still_logs_in(customer):
    fail(customer.email, 5, ip="203.0.113.7")
    assert token(customer.email, PASSWORD, ip="198.51.100.9").status_code == 200


def test_the_lock_is_per_pair_another_account_from_the_same_address_still_logs_in(customer, agent):
    fail(customer.email, 5)
    assert token(agent.email, PASSWORD, otp=fresh_code(totp_device(agent))).status_code == 200


def test_guessing_the_second_factor_locks_the_pair_as_guessing_passwords_does(agent):
    device = totp_device(agent)
    guesses = [token(agent.email, PASSWORD, otp="000000").status_code for _ in range(5)]
    assert guesses[:4] == [400] * 4
    assert guesses[4] == 429
    assert token(agent.email, PASSWORD, otp=fresh_code(device)).status_code == 429


def test_changing_the_case_of_the_address_does_not_escape_the_lock(customer):
    fail(customer.email.upper(), 3)
    fail(customer.email.title(), 2)
    assert token(customer.email, PASSWORD).status_code == 429


def test_a_forged_forwarded_for_header_does_not_give_a_fresh_address(customer):
    for n in range(5):
        token(customer.email, "wrong-password-123", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert token(customer.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(customer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client may prepend anything; our proxy appends the address it really saw, last.
    fail(customer.email, 5, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert (
        token(
            customer.email, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="2.2.2.2, 203.0.113.7"
        ).status_code
        == 429
    )
    assert (
        token(
            customer.email, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.9"
        ).status_code
        == 200
    )


def test_an_unknown_address_gets_the_same_answers_as_a_real_one(customer):
    real = [token(customer.email, "wrong-password-123") for _ in range(5)]
    unknown = [token("nobody@example.fr", "wrong-password-123") for _ in range(5)]
    assert [(r.status_code, r.content) for r in real] == [(r.status_code, r.content) for r in unknown]


@pytest.fixture
def portal():
    from django.test import Client

    return Client(REMOTE_ADDR="203.0.113.7")


def test_the_portal_login_locks_after_five_failures_even_for_the_right_password(customer, portal):
    for _ in range(4):
        assert (
            portal.post("/login/", {"username": customer.email, "password": "nope-nope-nope"}).status_code
            == 200
        )
    assert (
        portal.post("/login/", {"username": customer.email, "password": "nope-nope-nope"}).status_code == 429
    )
    response = portal.post("/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in portal.session


def test_the_portal_and_the_api_share_one_count(customer, portal):
    fail(customer.email, 3)
    for _ in range(2):
        portal.post("/login/", {"username": customer.email, "password": "nope-nope-nope"})
    assert token(customer.email, PASSWORD).status_code == 429


def test_a_successful_login_resets_the_count(customer):
    fail(customer.email, 4)
    assert token(customer.email, PASSWORD).status_code == 200
    assert fail(customer.email, 4) == [400] * 4
