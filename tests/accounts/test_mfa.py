"""SEC-10 in the portal: enrolling an authenticator app, the verify step of a login, recovery codes,
regenerating them and removing a device; the shared test secret; the deploy checks."""

import logging
import re
import time

import pyotp
import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.checks import mfa_test_secret_is_base32, second_factor_is_enforced
from tests.factories import PASSWORD
from tests.mfa import code_of, fresh_code, totp_device
from tests.portals import browser

pytestmark = pytest.mark.django_db

TEST_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def password_step(user, **extra):
    client = browser(None)
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 302
    return client, response


def later():
    """Past the pause django-otp imposes after a wrong code (1 s, doubling with each further failure)."""
    return time_machine.travel(time.time() + 5, tick=True)


def enrol(client):
    """The security page's QR code and key, then a code of the app that scanned it: the recovery codes."""
    page = client.get(reverse("mfa_security"))
    assert page.status_code == 200
    secret = page.context["secret"]
    assert "<svg" in page.content.decode()
    shown = client.post(reverse("mfa_totp_confirm"), {"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    return secret, shown.context["codes"]


def test_a_staff_member_without_a_device_is_sent_to_enrol_after_the_password(agent):
    client, response = password_step(agent)
    assert response["Location"].startswith(reverse("mfa_security"))
    assert client.get(reverse("staff:tickets:queue"))["Location"].startswith(reverse("mfa_security"))


def test_enrolling_shows_ten_recovery_codes_once_and_verifies_the_session(agent):
    client, _ = password_step(agent)
    _, codes = enrol(client)
    assert len(codes) == len(set(codes)) == mfa.RECOVERY_CODE_COUNT
    assert client.get(reverse("staff:tickets:queue")).status_code == 200
    page = client.get(reverse("mfa_security")).content.decode()
    assert not any(code in page for code in codes)
    assert "10" in page  # recovery codes left


def test_a_wrong_code_does_not_enrol_the_app(agent):
    client, _ = password_step(agent)
    client.get(reverse("mfa_security"))
    response = client.post(reverse("mfa_totp_confirm"), {"code": "123456"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=agent, confirmed=True).exists()
    assert client.get(reverse("staff:tickets:queue")).status_code == 302


def test_an_enrolled_member_gives_the_code_at_the_next_login(agent):
    device = totp_device(agent)
    client, response = password_step(agent)
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert client.get(reverse("staff:tickets:queue"))["Location"].startswith(reverse("mfa_verify"))
    wrong = client.post(reverse("mfa_verify"), {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    with later():
        right = client.post(reverse("mfa_verify"), {"code": fresh_code(device), "next": "/staff/"})
    assert right["Location"] == "/staff/"
    assert client.get(reverse("staff:tickets:queue")).status_code == 200


def test_the_verify_step_does_not_redirect_to_another_site(agent):
    device = totp_device(agent)
    client, _ = password_step(agent)
    response = client.post(
        reverse("mfa_verify"), {"code": fresh_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_a_totp_code_is_accepted_once(agent):
    device = totp_device(agent)
    code = fresh_code(device)
    assert mfa.verify_code(agent, code) is not None
    assert mfa.verify_code(agent, code) is None


def test_a_wrong_code_pauses_the_device_so_codes_cannot_be_guessed_in_bulk(agent):
    device = totp_device(agent)
    assert mfa.verify_code(agent, "000000") is None
    assert mfa.verify_code(agent, fresh_code(device)) is None  # refused during the pause, even right
    with later():
        assert mfa.verify_code(agent, fresh_code(device)) is not None


def test_a_recovery_code_logs_in_once(agent):
    totp_device(agent)
    codes = mfa.recovery_codes_generate(agent)
    client, _ = password_step(agent)
    assert client.post(reverse("mfa_verify"), {"code": codes[0].upper()}).status_code == 302
    again, _ = password_step(agent)
    assert again.post(reverse("mfa_verify"), {"code": codes[0]}).status_code == 200
    assert mfa.recovery_codes_left(agent) == mfa.RECOVERY_CODE_COUNT - 1


def test_regenerating_recovery_codes_needs_a_current_code_and_ends_the_old_ones(agent):
    device = totp_device(agent)
    old = mfa.recovery_codes_generate(agent)
    client = browser(agent)
    refused = client.post(reverse("mfa_recovery_codes"), {"code": "000000"})
    assert refused["Location"] == reverse("mfa_security")
    assert mfa.verify_code(agent, old[0]) is not None
    with later():
        new = client.post(reverse("mfa_recovery_codes"), {"code": fresh_code(device)}).context["codes"]
        assert set(new).isdisjoint(old)
        assert mfa.verify_code(agent, new[0]) is not None
        assert mfa.verify_code(agent, old[1]) is None


def test_removing_the_app_needs_a_current_code_and_takes_the_recovery_codes_with_it(agent):
    device = totp_device(agent)
    mfa.recovery_codes_generate(agent)
    client = browser(agent)
    url = reverse("mfa_device_remove", args=["totp", device.pk])
    client.post(url, {"code": "000000"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    with later():
        client.post(url, {"code": fresh_code(device)})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert mfa.recovery_codes_left(agent) == 0
    assert not mfa.has_second_factor(agent)


def test_nobody_removes_another_users_device(agent, other_agent):
    victim = totp_device(other_agent)
    client = browser(agent)
    client.post(
        reverse("mfa_device_remove", args=["totp", victim.pk]), {"code": fresh_code(totp_device(agent))}
    )
    assert TOTPDevice.objects.filter(pk=victim.pk).exists()


def test_a_customer_logs_in_with_the_password_alone_until_enrolling(customer):
    client, response = password_step(customer)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("customer:tickets:dashboard")).status_code == 200
    enrol(client)
    again, response = password_step(customer)
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert again.get(reverse("customer:tickets:dashboard")).status_code == 302


def test_the_passkeys_page_loads_its_script_as_a_file(agent):
    response = browser(agent).get(reverse("mfa_passkeys"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "otp_webauthn_register.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert " onclick=" not in page


def test_the_test_secret_stands_in_for_a_device_only_while_set(agent, settings):
    settings.MFA_TEST_SECRET = TEST_SECRET
    client, response = password_step(agent)
    assert response["Location"].startswith(reverse("mfa_verify"))
    code = pyotp.TOTP(TEST_SECRET).now()
    assert client.post(reverse("mfa_verify"), {"code": code}).status_code == 302
    assert client.get(reverse("staff:tickets:queue")).status_code == 200
    assert mfa.verify_code(agent, code) is not None  # automated clients log in several times a step
    assert not mfa.has_second_factor(agent)  # nor is it an enrolment
    settings.MFA_TEST_SECRET = ""
    assert client.get(reverse("staff:tickets:queue")).status_code == 302


def test_the_test_secret_is_not_for_an_account_with_its_own_device(agent, settings):
    settings.MFA_TEST_SECRET = TEST_SECRET
    totp_device(agent)
    assert mfa.verify_code(agent, pyotp.TOTP(TEST_SECRET).now()) is None


def test_codes_secrets_and_recovery_codes_never_reach_the_log(agent, caplog):
    device = totp_device(agent)
    code = fresh_code(device)
    with caplog.at_level(logging.INFO, logger="security.mfa"):
        codes = mfa.recovery_codes_generate(agent)
        mfa.verify_code(agent, code)
        mfa.verify_code(agent, codes[0])
        mfa.verify_code(agent, "999999")
    logged = caplog.text
    assert "security.mfa" in {record.name for record in caplog.records}
    for secret in (code, codes[0], mfa.totp_secret(device), device.key):
        assert secret not in logged


def test_a_code_of_the_previous_step_still_counts_once(agent):
    device = totp_device(agent)
    earlier = code_of(device, at=time.time() - 30)
    assert mfa.verify_code(agent, earlier) is not None
    assert mfa.verify_code(agent, earlier) is None


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [("MFA_TEST_SECRET", TEST_SECRET, "accounts.W003"), ("MFA_REQUIRED", False, "accounts.W004")],
)
def test_the_deploy_check_warns_of_a_weakened_second_factor(settings, setting, value, check_id):
    assert second_factor_is_enforced() == []
    setattr(settings, setting, value)
    assert [warning.id for warning in second_factor_is_enforced()] == [check_id]


@pytest.mark.parametrize(
    ("persona", "title"),
    [("customer", "Sécurité\u00a0: second facteur"), ("other_customer", "Sicherheit: zweiter Faktor")],
)
def test_the_security_page_speaks_the_accounts_language(request, persona, title):
    page = browser(request.getfixturevalue(persona)).get(reverse("mfa_security")).content.decode()
    assert title in page


def test_a_customer_page_reads_the_enrolment_once_per_session(customer):
    client = browser(customer)
    client.get(reverse("customer:tickets:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("customer:tickets:dashboard"))
    assert not any(
        "otp_totp" in query["sql"] or "webauthn" in query["sql"] for query in queries.captured_queries
    )


def test_a_device_removed_in_another_session_does_not_trap_this_one_at_the_verify_page(customer):
    device = totp_device(customer)
    client, _ = password_step(customer)
    assert client.get(reverse("customer:tickets:dashboard")).status_code == 302
    device.delete()
    assert client.get(reverse("mfa_verify"))["Location"] == reverse("home")
    assert client.get(reverse("customer:tickets:dashboard")).status_code == 200


def test_the_admin_lists_a_persons_devices_and_removes_one_without_showing_a_secret(admin_user, agent):
    device = totp_device(agent)
    codes = mfa.recovery_codes_generate(agent)
    page = browser(admin_user).get(reverse("admin:accounts_user_change", args=[agent.pk])).content.decode()
    assert mfa.TOTP_DEVICE in page
    for secret in (device.key, mfa.totp_secret(device), *codes):
        assert secret not in page
    assert not admin.site.is_registered(TOTPDevice)


def test_a_test_secret_that_is_not_base32_fails_the_checks(settings):
    assert mfa_test_secret_is_base32() == []
    settings.MFA_TEST_SECRET = "not base32!"
    assert [error.id for error in mfa_test_secret_is_base32()] == ["accounts.E001"]


def test_a_passkey_at_the_verify_step_verifies_the_session_under_a_new_key(agent, monkeypatch):
    # The browser's ceremony is stood in for by its outcome: the library's check of the signed answer
    # returns the agent's passkey. What is ours is what follows: verified, and a session key the page
    # before the login never saw (SEC-11), as after an app's code.
    from django_otp_webauthn.models import WebAuthnCredential

    passkey = WebAuthnCredential.objects.create(
        user=agent, name="laptop", confirmed=True, credential_id=b"id", public_key=b"key", sign_count=0
    )
    client, _ = password_step(agent)
    session = client.session
    session["otp_webauthn_authentication_state"] = {"challenge": "stood in for"}
    session.save()
    key_before = session.session_key
    monkeypatch.setattr(WebAuthnCredential, "get_webauthn_helper", lambda request: _HelperReturning(passkey))

    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"), "{}", content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert client.session.session_key != key_before
    assert client.get(reverse("staff:tickets:queue")).status_code == 200  # verified: no verify page


class _HelperReturning:
    def __init__(self, device):
        self.device = device

    def authenticate_complete(self, *, user, state, data):
        return self.device
