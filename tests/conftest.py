"""Personas shared by every test: a customer, a customer of another account, an agent, finance, an admin."""

import importlib
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Role
from consent.services import access_request_create
from tests.factories import CustomerFactory, ServiceFactory, UserFactory
from tests.mfa import VerifiedClient
from tests.portals import incident
from tickets.services import ticket_start_diagnosis

# What DJANGO_SECURE_SSL=false gives: the test client and live_server speak plain HTTP, where HTTPS
# redirects would answer every request with a 301 and browsers drop Secure and __Host- cookies.
# tests/security/test_settings.py checks the production values with the environment of production.
PLAIN_HTTP = {
    "SECURE_SSL": False,
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "sessionid",
    "CSRF_COOKIE_NAME": "csrftoken",
    # The suite bills with the entities seeded as demo data; tests/billing/test_tax.py turns it off.
    "DEMO_ENTITIES_MAY_ISSUE": True,
}


def pytest_configure(config):
    # Here rather than in a fixture: live_server builds its middleware once per session, and the
    # settings module is already imported (pytest-django sets Django up before any conftest).
    from django.conf import settings

    for name, value in PLAIN_HTTP.items():
        setattr(settings, name, value)
    # Settings create no directories on import; the suite makes the one WhiteNoise checks at start-up.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    # Stored files (attachments, documents' PDFs) of the run go to a folder of its own, not the checkout's
    # var/media; the real workers the tests start are given the same one (tests/celery_worker.py).
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="incident-desk-media-"))
    for folder in (
        "data_folder_in",
        "processed_folder",
        "control_folder",
    ):  # the filesystem broker's, if used
        if folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS:
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(parents=True, exist_ok=True)


def pytest_unconfigure(config):
    from django.conf import settings

    if settings.configured and "incident-desk-media-" in str(settings.MEDIA_ROOT):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def customer_account(db):
    return CustomerFactory(name="Boulangerie Test", country="FR", language="fr")


@pytest.fixture
def other_customer_account(db):
    return CustomerFactory(name="Other GmbH", country="DE", language="de")


@pytest.fixture
def customer(customer_account):
    return UserFactory(email="client@example.fr", role=Role.CUSTOMER, customer=customer_account)


@pytest.fixture
def other_customer(other_customer_account):
    return UserFactory(email="other@example.de", role=Role.CUSTOMER, customer=other_customer_account)


# Staff belong to no customer account: UserFactory leaves `customer` empty for every role but CUSTOMER.


@pytest.fixture
def agent(db):
    return UserFactory(email="agent@example.com", role=Role.AGENT)


@pytest.fixture
def other_agent(db):
    return UserFactory(email="agent2@example.com", role=Role.AGENT)


@pytest.fixture
def finance(db):
    return UserFactory(email="finance@example.com", role=Role.FINANCE)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def client():
    """pytest-django's client, but force_login() gives staff the second factor too (tests/mfa.py)."""
    return VerifiedClient()


@pytest.fixture
def celery_eager():
    """Tasks enqueued after commit run in the test's thread instead of reaching a broker.

    The after-commit path itself is tested with a real worker (tests/billing/test_worker.py).
    """
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def diagnosing(customer, agent):
    """An incident opened in the portal, under diagnosis by the agent."""
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    return ticket


@pytest.fixture
def asked(diagnosing, agent):
    """The agent asks to read the data of the incident under diagnosis; the customer has not answered."""
    return access_request_create(
        ticket=diagnosing, scope="read_data", reason="Read the logs", duration_hours=2, by=agent
    )


@pytest.fixture
def service(customer_account):
    return ServiceFactory(customer=customer_account)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it."""

    class Client(APIClient):
        def as_user(self, user):
            self.force_authenticate(user=user)
            return self

    return Client()


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def as_user():
    return api_for


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite ignores SELECT ... FOR UPDATE: locking and concurrency need PostgreSQL")


def seed_reference_data():
    """The rows the data migrations seed (billing entities, VAT rates), idempotently."""
    from django.apps import apps

    for module, function in (
        ("accounts.migrations.0002_seed_billing_entities", "seed"),
        ("accounts.migrations.0004_entity_territories_business_buyers", "mark_seeded_entities"),
        ("billing.migrations.0002_seed_vat_rates", "seed"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # A reused test database may have been flushed by the transactional tests of an earlier run.
    with django_db_blocker.unblock():
        seed_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the database, seeded rows included: put the seeds back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    seed_reference_data()


@pytest.fixture(autouse=True)
def _empty_cache():
    # What one test cached (billing countries, the receivables report) must not answer the next one.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    # A request answered in an account's language leaves that language active in the thread; the next test
    # starts in the site's, whichever ran before it.
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_waiting_email_relay():
    # A relay published by an earlier test and never run would keep the next test's e-mails waiting.
    from outbox import services

    services._relay_flag_lower()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Each test counts from zero under keys of its own (the Redis DB may be shared; keys expire by
    # themselves), so no test is refused for what an earlier one did (config/ratelimit.py).
    settings.RATE_LIMIT_KEY_PREFIX = f"ratelimit:test:{uuid.uuid4().hex}:"


@pytest.fixture
def raised_rate_limits(settings):
    """Limits a thousand times higher, for tests that flood endpoints on purpose (fuzzing, bulk data)."""
    settings.RATE_LIMIT_MULTIPLIER = 1000


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_terminal_summary(terminalreporter):
    # The figures CI must show: access-matrix probes, schemathesis examples, state-machine steps...
    from tests.counts import COUNTS

    if COUNTS:
        terminalreporter.section("security and reliability figures")
        for name, value in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {value}")
