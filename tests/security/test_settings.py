"""SEC-01..06: production settings, the headers every response carries, and the CSP report endpoint.

The suite itself runs on plain HTTP (tests/conftest.py PLAIN_HTTP); these tests put production's
values back, or start Django in a subprocess with production's environment.
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "desk.example.com",
}


def django_in(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def settings_in(env: dict, *names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}))"
    )
    result = django_in({**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_deploy_check_finds_nothing_with_production_environment():
    result = django_in(PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_fails_on_a_short_secret_key():
    result = django_in(
        {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
)


def test_production_is_https_only_with_host_prefixed_cookies():
    assert settings_in(PRODUCTION_ENV, *HTTPS_SETTINGS) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
    }


def test_make_run_debug_serves_plain_http():
    values = settings_in({"DJANGO_DEBUG": "true"}, *HTTPS_SETTINGS)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_NAME"] == "sessionid"


def test_an_explicit_switch_turns_https_off_without_debug():
    values = settings_in({**PRODUCTION_ENV, "DJANGO_SECURE_SSL": "false"}, "SECURE_SSL_REDIRECT", "DEBUG")
    assert values == {"SECURE_SSL_REDIRECT": False, "DEBUG": False}


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = Client().get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


@pytest.mark.django_db
def test_the_health_probe_is_not_redirected(production):
    assert Client().get("/health/").status_code in (200, 503)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/me/", "/api/docs/"])
def test_every_response_carries_the_security_headers(production, path):
    response = Client().get(path, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert re.fullmatch(r"'self'( 'nonce-[\w+/=-]+')?", csp["script-src"])
    assert csp["object-src"] == csp["base-uri"] == csp["frame-ancestors"] == "'none'"
    assert csp["report-uri"] == "/csp-report/"
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_cookies_are_host_prefixed_secure_httponly_and_lax(production):
    response = Client().get("/login/", secure=True)
    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]


@pytest.mark.django_db
def test_the_session_cookie_after_login_is_host_prefixed(production, customer):
    from tests.factories import PASSWORD

    client = Client()
    client.get("/login/", secure=True)
    response = client.post("/login/", {"username": customer.email, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"


@pytest.mark.django_db
def test_an_unknown_host_is_a_400(settings):
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    assert Client().get("/login/", HTTP_HOST="evil.example.net").status_code == 400


@pytest.mark.django_db
def test_swagger_ui_runs_without_inline_script(production, customer):
    client = Client()
    client.force_login(customer)  # the docs are for signed-in people (tests/security/test_api_docs.py)
    page = client.get("/api/docs/", secure=True)
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    # Its one inline <style> carries this response's nonce (templates/drf_spectacular/swagger_ui.html).
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", page["Content-Security-Policy"]).group(1)
    assert re.findall(r"<style([^>]*)>", html) == [f' nonce="{nonce}"']
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        src = src.replace("&amp;", "&")
        assert src.startswith("/"), src  # same origin: the sidecar ships Swagger UI, no CDN
        if src.startswith("/static/"):  # WhiteNoise serves collected files; here, they must exist
            assert finders.find(src.removeprefix("/static/")), src
        else:
            script = client.get(src, secure=True)
            assert script.status_code == 200 and "javascript" in script["Content-Type"], src


def test_csp_reports_are_logged_as_one_json_line(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://desk.example.com/login/",
            "violated-directive": "script-src",
            "blocked-uri": "inline\nFAKE LOG LINE",
        }
    }
    with caplog.at_level(logging.WARNING, logger="security.csp"):
        response = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    [record] = caplog.records
    assert "\n" not in record.getMessage()
    assert "script-src" in record.getMessage()


@pytest.mark.parametrize("body", [b"", b"not json", b"[" * 100000, b"{}" * 100000])
def test_csp_report_endpoint_shrugs_off_garbage(client, body):
    assert client.post("/csp-report/", body, content_type="application/csp-report").status_code == 204


def test_csp_report_endpoint_takes_only_post(client):
    assert client.get("/csp-report/").status_code == 405
