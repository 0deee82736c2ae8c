"""SEC-10, as an attacker who has a staff member's password but not their second factor.

Every portal page and admin page (from the URL resolver, so a new page is covered at once) redirects a
session that owes the second factor to the verify or enrolment page, never a 200; every API endpoint
refuses such a session with 403 `mfa_required`; a staff token issued without a second factor is
refused; the token endpoint asks for the code; a code or a recovery code works once.
"""

import json
import re

import pyotp
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import token_issue
from tests.counts import report
from tests.factories import PASSWORD
from tests.mfa import fresh_code, totp_device
from tests.security.snapshot import database_fingerprint
from tests.security.urls import api_endpoints

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
# What a session owing the second factor may still open: the login steps, the language switch, static
# files, the passkey ceremonies (the library checks them), the probes; the API answers for itself.
OPEN = ("login/", "logout/", "i18n/", "static/", "webauthn/", "api/", "health/", "csp-report/", "metrics")
ENROLMENT = "account/security/"
# A browser probe's own session row moves (its idle expiry); nothing else may.
SESSIONS = frozenset({"django_session"})


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue  # regex routes: the admin's pages come from its registry below
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def portal_paths() -> list[str]:
    """Every page outside the API and the open paths, its parameters filled in."""
    paths = set()
    for route in _walk(get_resolver().url_patterns):
        if route.startswith(OPEN) or route.startswith("^"):
            continue
        paths.add("/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route))
    return sorted(paths)


def admin_paths() -> list[str]:
    paths = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    return paths


def password_only(user) -> Client:
    """The session a stolen password gives: logged in, no second factor."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=["agent", "finance", "admin_user"])
def staff_member(request):
    """Each staff role in turn: every one of them owes the second factor."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def stolen_session(staff_member) -> Client:
    """The session a stolen password gives a staff member who has enrolled a device."""
    totp_device(staff_member)
    return password_only(staff_member)


def test_the_enumeration_finds_the_staff_finance_customer_and_security_pages():
    paths = portal_paths()
    for prefix in ("/staff/", "/finance/", "/customer/", "/account/security/"):
        assert any(path.startswith(prefix) for path in paths), prefix
    assert len(admin_paths()) > 20


def test_no_portal_or_admin_page_opens_to_an_enrolled_member_without_the_code(stolen_session):
    before = database_fingerprint(exclude=SESSIONS)
    probes = 0
    for path in portal_paths() + admin_paths():
        for method in ("get", "post"):
            response = getattr(stolen_session, method)(path)
            probes += 1
            assert response.status_code == 302, (method, path, response.status_code)
            assert response["Location"].startswith(reverse("mfa_verify")), (method, path)
    assert database_fingerprint(exclude=SESSIONS) == before
    report("mfa enforcement: portal and admin probes", probes)


def test_a_member_without_a_device_reaches_only_the_enrolment_pages(agent):
    client = password_only(agent)
    for path in portal_paths() + admin_paths():
        response = client.get(path)
        if path.startswith("/" + ENROLMENT):
            assert response.status_code in {200, 302, 404, 405}, path
            assert not response.has_header("Location") or not response["Location"].startswith("/staff")
        else:
            assert response.status_code == 302, (path, response.status_code)
            assert response["Location"].startswith(reverse("mfa_security")), path


def test_the_admin_refuses_a_superuser_session_without_the_second_factor(admin_user):
    totp_device(admin_user)
    response = password_only(admin_user).get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))


def test_every_api_endpoint_refuses_a_session_without_the_second_factor(stolen_session):
    before = database_fingerprint(exclude=SESSIONS)
    probes = 0
    for endpoint in api_endpoints():
        path = endpoint.path(1)
        response = stolen_session.generic(endpoint.method, path, "{}", content_type="application/json")
        probes += 1
        assert response.status_code == 403, (str(endpoint), response.status_code)
        assert response.json()["code"] == "mfa_required", str(endpoint)
    schema = stolen_session.get("/api/v1/schema/")
    assert schema.status_code == 403
    assert database_fingerprint(exclude=SESSIONS) == before
    report("mfa enforcement: API session probes", probes)


def test_a_verified_session_reaches_the_api(agent):
    device = totp_device(agent)
    client = password_only(agent)
    client.get(reverse("mfa_verify"))
    assert client.post(reverse("mfa_verify"), {"code": fresh_code(device)}).status_code == 302
    assert client.get("/api/v1/me/").status_code == 200


def test_a_staff_token_issued_without_a_second_factor_is_refused(staff_member):
    key, _ = token_issue(staff_member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code in {401, 403}
    assert response.json()["code"] == "mfa_required"


def test_a_customer_token_without_a_second_factor_still_works(customer):
    key, _ = token_issue(customer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200


def obtain(user, password=PASSWORD, **extra):
    return APIClient().post(TOKEN, {"email": user.email, "password": password, **extra}, format="json")


def test_the_token_endpoint_asks_a_member_without_a_device_to_enrol(agent):
    response = obtain(agent)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
    assert obtain(agent, otp="123456").json()["code"] == "mfa_enrolment_required"
    assert not ApiToken.objects.filter(user=agent).exists()


def test_the_token_endpoint_asks_for_the_code_then_checks_it(agent):
    totp_device(agent)
    missing = obtain(agent)
    assert missing.status_code == 403 and missing.json()["code"] == "mfa_required"
    wrong = obtain(agent, otp="000000")
    assert wrong.status_code == 400 and list(wrong.json()) == ["otp"]
    assert not ApiToken.objects.filter(user=agent).exists()


def test_a_right_code_gives_a_token_with_the_second_factor_and_a_replay_is_refused(agent):
    device = totp_device(agent)
    code = fresh_code(device)
    issued = obtain(agent, otp=code)
    assert issued.status_code == 200
    assert ApiToken.objects.get(pk=issued.json()["id"]).second_factor
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200
    replay = obtain(agent, otp=code)
    assert replay.status_code == 400 and "otp" in replay.json()


def test_a_wrong_password_says_nothing_of_the_second_factor(agent):
    totp_device(agent)
    response = obtain(agent, password="wrong-password-123", otp="000000")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_a_recovery_code_gives_one_token(agent):
    from accounts.mfa import recovery_codes_generate

    totp_device(agent)
    code = recovery_codes_generate(agent)[0]
    assert obtain(agent, otp=code).status_code == 200
    assert obtain(agent, otp=code).status_code == 400


def test_the_portal_refuses_a_replayed_code(agent):
    device = totp_device(agent)
    code = fresh_code(device)
    first = password_only(agent)
    assert first.post(reverse("mfa_verify"), {"code": code}).status_code == 302
    second = password_only(agent)
    assert second.post(reverse("mfa_verify"), {"code": code}).status_code == 200
    assert second.get(reverse("staff:tickets:queue")).status_code == 302


def test_customers_keep_the_contracts_token_answer_until_they_enrol(customer):
    assert obtain(customer).status_code == 200
    device = totp_device(customer)
    assert obtain(customer).json()["code"] == "mfa_required"
    assert obtain(customer, otp=fresh_code(device)).status_code == 200


def test_the_test_secret_gives_automated_clients_a_token(agent, settings):
    settings.MFA_TEST_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    code = pyotp.TOTP(settings.MFA_TEST_SECRET).now()
    issued = obtain(agent, otp=code)
    assert issued.status_code == 200, issued.content
    assert obtain(agent, otp=code).status_code == 200  # a script's next login in the same 30 seconds
    assert obtain(agent, otp=f"{(int(code) + 1) % 1_000_000:06d}").status_code == 400


def test_with_mfa_off_staff_log_in_with_the_password_alone(agent, settings):
    settings.MFA_REQUIRED = False
    assert obtain(agent).status_code == 200
    assert password_only(agent).get(reverse("staff:tickets:queue")).status_code == 200


def test_the_schema_documents_the_token_endpoints_mfa_answers(agent):
    from tests.mfa import verify_session

    client = Client()
    client.force_login(agent)
    verify_session(client, agent)
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    answer = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["403"]
    assert "mfa_enrolment_required" in json.dumps(answer)


@pytest.mark.parametrize(
    "otp",
    [
        "\x00",
        "12\x003456",
        "x" * 33,
        "9" * 1_000_000,
        {"a": 1},
        ["123456"],
        10**30,
        "1e400",
        "１２３４５６",
        " ",
        "-" * 10,
    ],
    ids=repr,
)
def test_garbage_in_otp_is_a_400_for_an_enrolled_member(agent, otp):
    totp_device(agent)
    response = obtain(agent, otp=otp)
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=agent).exists()


def test_the_api_docs_page_sends_a_member_without_the_code_to_the_verify_page(agent):
    totp_device(agent)
    response = password_only(agent).get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))
