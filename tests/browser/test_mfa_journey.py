"""SEC-10 clicked through in Chromium: a new agent enrols an authenticator app at the first login (in French
and in German), keeps the recovery codes, logs out and back in with a code; then registers a passkey
(Chromium's virtual authenticator) and logs in with it. No CSP violation, no script error on the way."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from accounts import mfa
from accounts.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "fr": {"enrol": "Configurer une application d’authentification", "codes": "Vos codes de secours"},
    "de": {"enrol": "Authenticator-App einrichten", "codes": "Ihre Wiederherstellungscodes"},
}


def new_agent(language):
    return UserFactory(email=f"agent-mfa-{language}@example.com", role=Role.AGENT, language=language)


def log_out(someone):
    someone.page.click("form[action='/logout/'] button")
    someone.page.wait_for_load_state()
    expect(someone.page.locator("#login-submit")).to_be_visible()


def log_in_with_password(someone, user):
    someone.go("/login/")
    someone.page.fill("#id_username", user.email)
    someone.page.fill("#id_password", PASSWORD)
    someone.page.click("#login-submit")
    someone.page.wait_for_load_state()


def enrol_app(someone, language) -> str:
    """The security page after the first login: scan (read the key), confirm with a code, keep the codes."""
    page = someone.page
    assert "/account/security/" in page.url
    expect(page.get_by_role("heading", name=WORDS[language]["enrol"])).to_be_visible()
    expect(page.locator("#mfa-enrol svg")).to_be_visible()
    secret = page.locator("#mfa-secret").inner_text().strip()
    someone.shot(f"mfa-enrol-{language}")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#mfa-enrol-submit")
    expect(page.get_by_role("heading", name=WORDS[language]["codes"])).to_be_visible()
    expect(page.locator("#mfa-recovery-codes li")).to_have_count(mfa.RECOVERY_CODE_COUNT)
    someone.shot(f"mfa-recovery-codes-{language}")
    page.click("#mfa-continue")
    page.wait_for_load_state()
    assert "/staff/" in page.url
    return secret


@pytest.mark.parametrize("language", WORDS)
def test_an_agent_enrols_an_app_at_the_first_login_and_logs_in_with_its_code(person, language):
    agent = new_agent(language)
    someone = person(agent, PASSWORD, screenshots=language == "fr", second_factor=False)
    secret = enrol_app(someone, language)
    log_out(someone)

    log_in_with_password(someone, agent)
    assert "/login/verify/" in someone.page.url
    someone.go("/staff/tickets/")  # nothing opens before the code
    assert "/login/verify/" in someone.page.url
    # The code of the enrolment's time step was used: the app shows the next one 30 s later.
    someone.page.fill("#id_code", pyotp.TOTP(secret).at(int(time.time()) + 30))
    someone.page.click("#mfa-verify-submit")
    someone.page.wait_for_load_state()
    assert "/staff/" in someone.page.url
    assert someone.problems() == []


def passkeys_in_chromium(someone):
    """Chromium's virtual authenticator stands in for a security key that says yes."""
    cdp = someone.context.new_cdp_session(someone.page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


@pytest.fixture
def person_with_authenticator(person, live_server, settings):
    """Passkeys on for the live server; logs a new agent in with the password alone, in a browser with
    Chromium's virtual authenticator."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]

    def login(agent):
        someone = person(agent, PASSWORD, screenshots=False, second_factor=False)
        passkeys_in_chromium(someone)
        return someone

    return login


def register_passkey(someone):
    someone.go("/account/security/passkeys/")
    someone.page.click("#passkey-register-button")
    someone.page.wait_for_url("**/account/security/")


def test_a_passkey_as_the_first_second_factor_comes_with_recovery_codes(person_with_authenticator):
    someone = person_with_authenticator(new_agent("de"))
    register_passkey(someone)
    expect(someone.page.locator("#mfa-recovery-codes li")).to_have_count(mfa.RECOVERY_CODE_COUNT)
    someone.page.click("#mfa-continue")
    someone.page.wait_for_load_state()
    assert "/staff/" in someone.page.url
    assert someone.problems() == []


def test_an_agent_registers_a_passkey_and_logs_in_with_it(person_with_authenticator):
    agent = new_agent("fr")
    someone = person_with_authenticator(agent)
    enrol_app(someone, "fr")

    register_passkey(someone)
    expect(someone.page.locator("#mfa-devices li")).to_have_count(2)  # the app and the passkey
    assert mfa.passkeys_of(agent).count() == 1
    log_out(someone)

    log_in_with_password(someone, agent)
    assert "/login/verify/" in someone.page.url
    someone.page.click("#passkey-verification-button")
    someone.page.wait_for_url("**/staff/**")
    assert someone.problems() == []
