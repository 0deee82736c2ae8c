"""Incident Desk settings, read from the environment (see .env.example and the README)."""

import ipaddress
import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file may supply settings; the real environment wins.
load_dotenv(BASE_DIR / ".env", override=False)
# What the app writes on its own disk: the SQLite file of `make run`, uploads, the filesystem broker.
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR") or BASE_DIR / "var")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    # Only a development checkout may run without a key; production must set one.
    "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production-0123456789"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search and trigram lookups of tickets (tickets/search.py)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",  # SEC-07: login throttling per (e-mail, client IP)
    "csp",  # SEC-05: Content-Security-Policy header with a per-response nonce
    # SEC-10: second factors (accounts.mfa): TOTP apps, recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "documents",
    "outbox",
    "billing",
    "tickets",
    "quotes",
    "consent",
    "mailin",
    "diagnostics",
    "outages",
    "credits",
    "reporting",
    "ops",
]

MIDDLEWARE = [
    # First: the request's id is in the context (and on every log line) of everything below, the
    # redirects and refusals of the other middleware included; the latency counts all of their time.
    "config.logs.RequestIdMiddleware",
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # SEC-05
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # SEC-10: request.user.is_verified(), true once a second factor was given in this session.
    "django_otp.middleware.OTPMiddleware",
    # After authentication: these need request.user.
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.AccountLanguageMiddleware",
    # SEC-10: a session that owes a second factor reaches only the verify and enrolment pages.
    "accounts.middleware.SecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the view (an API token is known by then): a user who may just have written reads the primary.
    "config.replica.PinAfterWriteMiddleware",
    # Turns a portal view's RateLimited into the 429 page (the API's exception handler answers its own).
    "config.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out portal login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# A bare checkout runs on a SQLite file; CI and production set DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": 5,
            # The app's joins are look-ups from one driving table along foreign keys, written by the ORM in
            # that order. Searching every order of a seven-table join took PostgreSQL 0.9 ms of planning for
            # 0.1 ms of execution on the ticket page; at 4 the planner keeps its choice of plan for every
            # query of the benchmark and the receivables report (docs/performance.md) in half the time.
            "options": "-c join_collapse_limit=4",
        }
    )
    # The role that runs the tests creates its own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DJANGO_TEST_DB_NAME", "test_incident_desk")}
# A streaming replica of the primary, for the heavy reads (lists, reports, exports): config/replica.py.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        ),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        # Tests read the replica's copy of the test database, which the primary streams to it.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.replica.PrimaryReplicaRouter"]
# After a request that may have written, its user reads from the primary this long (read your own writes).
DATABASE_REPLICA_PIN_SECONDS = float(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out (e-mail, IP) pair before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# SEC-11: idle timeouts per role and an absolute lifetime, enforced by accounts.middleware.
SESSION_IDLE_SECONDS_STAFF = 30 * 60
SESSION_IDLE_SECONDS_CUSTOMER = 2 * 60 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# API tokens (accounts.tokens): each login issues a new one, which expires this long after it.
API_TOKEN_TTL_STAFF = timedelta(hours=float(os.environ.get("DJANGO_API_TOKEN_HOURS_STAFF", "12")))
API_TOKEN_TTL_CUSTOMER = timedelta(days=float(os.environ.get("DJANGO_API_TOKEN_DAYS_CUSTOMER", "30")))

# SEC-10 (accounts.mfa): agents, finance and admins give a second factor at every login, on the portal, the
# admin and POST /api/v1/auth/token/. Customers may enrol; once enrolled they are asked too.
MFA_REQUIRED = env_bool("DJANGO_MFA_REQUIRED", True)
# A base32 TOTP secret shared with automated clients and tests: a staff account without a device of its own
# may give a code computed from it. `check --deploy` warns while it is set.
MFA_TEST_SECRET = os.environ.get("DJANGO_MFA_TEST_SECRET", "").strip()
OTP_TOTP_ISSUER = "Incident Desk"
# Passkeys (django-otp-webauthn) are a second factor only, never a login without the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "Incident Desk"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "security.mfa"


def _default_rp_id() -> str:
    # A relying party ID is a domain, never an IP address: the first host name served, else localhost.
    for host in ALLOWED_HOSTS:
        name = host.lstrip(".")
        if name and name != "*" and not name.replace(".", "").isdigit() and ":" not in name:
            return name
    return "localhost"


OTP_WEBAUTHN_RP_ID = os.environ.get("DJANGO_WEBAUTHN_RP_ID", "").strip() or _default_rp_id()
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "DJANGO_WEBAUTHN_ORIGINS",
    f"https://{OTP_WEBAUTHN_RP_ID}" + (",http://localhost:8000" if OTP_WEBAUTHN_RP_ID == "localhost" else ""),
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Created by `make run`, the test suite and the Dockerfile (collectstatic), never by importing settings:
# WhiteNoise warns at start-up while it is missing.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# No MEDIA_URL route exists on purpose: attachments are served only by a view that checks the ticket.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Where stored files go (attachments, the PDFs of issued documents): "filesystem" (MEDIA_ROOT, `make run`,
# one node) or "s3", an S3-compatible object store shared by every web node and worker (docs/scaling.md).
# Objects are private: the app reads them after its permission check and streams them (or, with
# DJANGO_S3_DOWNLOADS=signed-url, redirects to a URL signed for DJANGO_S3_SIGNED_URL_SECONDS).
STORAGE_KIND = os.environ.get("DJANGO_STORAGE", "filesystem").strip().lower() or "filesystem"
S3_BUCKET = os.environ.get("DJANGO_S3_BUCKET", "").strip()
S3_ENDPOINT_URL = os.environ.get("DJANGO_S3_ENDPOINT_URL", "").strip()
S3_SIGNED_URL_SECONDS = int(os.environ.get("DJANGO_S3_SIGNED_URL_SECONDS", "60"))
S3_DOWNLOADS = os.environ.get("DJANGO_S3_DOWNLOADS", "stream").strip().lower() or "stream"
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_KIND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # None: AWS itself; MinIO, Ceph, Garage, moto...: their URL (http://minio:9000).
            "endpoint_url": S3_ENDPOINT_URL or None,
            "region_name": os.environ.get("DJANGO_S3_REGION", "").strip() or "us-east-1",
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID..., an instance or pod role).
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": os.environ.get("DJANGO_S3_SECRET_ACCESS_KEY", "").strip() or None,
            # Path-style URLs (http://host:9000/bucket/key) for a self-hosted endpoint; AWS picks its own.
            "addressing_style": os.environ.get("DJANGO_S3_ADDRESSING_STYLE", "").strip()
            or ("path" if S3_ENDPOINT_URL else None),
            "signature_version": "s3v4",
            # Private objects, URLs only ever signed, names never reused (a new name is chosen instead).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": S3_SIGNED_URL_SECONDS,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    # Token first, so a request without credentials gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        # Django's session, refused with 403 mfa_required while it owes a second factor (SEC-10).
        "accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],  # deep nesting is a 400, not a 500
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Incident Desk API",
    "DESCRIPTION": "Paid incident support: tickets, diagnoses, quotes, invoices. Contract: v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",  # the contract's error bodies on every operation
    ],
    "ENUM_NAME_OVERRIDES": {
        "ServiceKindEnum": "accounts.models.Service.Kind",
        "TicketKindEnum": "tickets.models.Ticket.Kind",
        "TicketStatusEnum": "tickets.models.Ticket.State",
        "InvoiceStatusEnum": "billing.models.Invoice.State",
        "QuoteStatusEnum": "quotes.models.Quote.State",
        "OutcomeEnum": "tickets.fees.Outcome",
        "ProviderIncidentStatusEnum": "outages.models.ProviderIncident.State",
    },
}

# Celery: Redis in CI and production; with nothing set, kombu's filesystem transport needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are made by `make run` (bin/run-all) before the worker and the web app start.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        # Broadcasts (worker remote control) too, or kombu writes them under ./control of the cwd.
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    # Longer than any task's hard time limit, so a running task is never redelivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Publishing must not hang a request when the broker is down: fail fast, the sweep catches up.
CELERY_BROKER_TRANSPORT_OPTIONS.setdefault("max_retries", 1)
CELERY_TASK_PUBLISH_RETRY = False
# SEC-21: PDF rendering has a queue of its own, so production can run it on a dedicated worker
# (`celery -A config worker -Q pdf`) with tight limits; a worker started without -Q consumes both.
CELERY_TASK_QUEUES: dict[str, dict[str, str]] = {"celery": {}, "pdf": {}}
# Routes, not the tasks' own `queue` option, so that a test can send a task to a worker of its own.
CELERY_TASK_ROUTES = {
    task: {"queue": "pdf"}
    for task in (
        "billing.tasks.invoice_pdf_render_task",
        "billing.tasks.credit_notes_pdf_render_task",
        "billing.tasks.documents_render_missing_task",
        "quotes.tasks.quote_pdf_render_task",
        "quotes.tasks.quote_documents_render_missing_task",
    )
}

# One beat at a time (config/beat_lock.py): the running beat holds a lock in Redis of this lifetime, refreshed
# every third of it; a second beat waits that long for it, then exits.
BEAT_LOCK_SECONDS = int(os.environ.get("DJANGO_BEAT_LOCK_SECONDS", "60"))

# SEC-24: rate limits (config/ratelimit.py). Fixed-window counters in Redis, shared by every web node:
# REDIS_URL, else the broker's Redis, else (no Redis at all, `make run`) counters in each process.
REDIS_URL = os.environ.get("REDIS_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
RATE_LIMIT_KEY_PREFIX = os.environ.get("DJANGO_RATE_LIMIT_KEY_PREFIX", "ratelimit:")
# Per action, per scope ("user": the signed-in user, "ip": the client IP, "address": the e-mail a reset
# is asked for), [(count, seconds), ...]: far above what a person does, far below what a script does.
RATE_LIMITS: dict[str, dict[str, list[tuple[int, int]]]] = {
    # Opening tickets (API and customer portal).
    "ticket_create": {"user": [(30, 60), (100, 3600)], "ip": [(120, 60), (600, 3600)]},
    # Messages on a ticket (API and portals, customers and staff).
    "message_post": {"user": [(30, 60), (300, 3600)], "ip": [(120, 60), (1200, 3600)]},
    # Money: quote accepted or declined, invoice refused, payment recorded, refund recorded, reinstatement,
    # prices set.
    "money": {"user": [(30, 60), (300, 3600)], "ip": [(120, 60), (1200, 3600)]},
    # Password reset: e-mails to one address (over it: the same answer, no e-mail), asks from one IP.
    "password_reset": {"address": [(5, 3600)], "ip": [(20, 3600)]},
    # The public status page and its API, read without an account: a monitor polls it, nobody floods it.
    "public_status": {"ip": [(300, 60), (3000, 3600)]},
}
# DJANGO_RATE_LIMITS (JSON) replaces the scopes it names: {"ticket_create": {"user": [[10, 60]]}}.
for _action, _scopes in json.loads(os.environ.get("DJANGO_RATE_LIMITS") or "{}").items():
    RATE_LIMITS.setdefault(_action, {}).update(
        {
            scope: [(int(count), int(seconds)) for count, seconds in limits]
            for scope, limits in _scopes.items()
        }
    )
# Every count is multiplied by this (load tests, trusted automated clients); 0 turns the limits off.
RATE_LIMIT_MULTIPLIER = float(os.environ.get("DJANGO_RATE_LIMIT_MULTIPLIER", "1"))

# Response SLAs (tickets/sla.py): the business hours of each customer country, in its own time zone, with
# its public holidays (the `holidays` package, offline); "default" serves every country not named. A
# country's entry names only what differs from the default.
SLA_BUSINESS_HOURS: dict[str, dict] = {
    "default": {
        "time_zone": "Europe/Paris",
        "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00",
        "closes": "18:00",
    },
    "FR": {"time_zone": "Europe/Paris"},
    "DE": {"time_zone": "Europe/Berlin"},
}
# DJANGO_SLA_BUSINESS_HOURS (JSON) replaces the countries it names: {"DE": {"opens": "08:00"}}.
SLA_BUSINESS_HOURS.update(json.loads(os.environ.get("DJANGO_SLA_BUSINESS_HOURS") or "{}"))
# Per kind of ticket, in business hours from the opening: the first response by the staff (a message, the
# diagnosis started, or the answer that closes it) and, for incidents, the start of the diagnosis.
SLA_TARGETS: dict[str, dict[str, float]] = {
    "incident": {"first_response": 2, "diagnosis_start": 4},
    "technical": {"first_response": 8},
    "commercial": {"first_response": 16},
    "sla_claim": {"first_response": 8},
}
# DJANGO_SLA_TARGETS (JSON) replaces the kinds it names: {"incident": {"first_response": 1, "diagnosis_start": 3}}.
SLA_TARGETS.update(json.loads(os.environ.get("DJANGO_SLA_TARGETS") or "{}"))

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Incident Desk <support@incident-desk.example>")
# Staff notices of a ticket nobody holds (tickets.services.staff_notify) go to this team address, in
# LANGUAGE_CODE; unset, to every active agent who has not switched them off, each in their own language.
SUPPORT_QUEUE_EMAIL = os.environ.get("DJANGO_SUPPORT_QUEUE_EMAIL", "").strip()

# E-mail in (mailin): replies to a ticket's e-mails become messages on it; a known user's new e-mail opens
# a question. Ticket e-mails carry the signed Reply-To `<local part>+t<ticket id>.<signature>@<domain>`
# once the domain is set; the mailbox is polled over IMAP by beat once the host is set, and an MTA may
# pipe each message to `manage.py mailin_receive` instead. Unset: nothing is received, nothing polled.
MAILIN_REPLY_DOMAIN = os.environ.get("DJANGO_MAILIN_REPLY_DOMAIN", "").strip().lower()
MAILIN_LOCAL_PART = os.environ.get("DJANGO_MAILIN_LOCAL_PART", "support").strip().lower()
MAILIN_IMAP_HOST = os.environ.get("DJANGO_MAILIN_IMAP_HOST", "").strip()
MAILIN_IMAP_SSL = env_bool("DJANGO_MAILIN_IMAP_SSL", True)
MAILIN_IMAP_PORT = int(os.environ.get("DJANGO_MAILIN_IMAP_PORT") or (993 if MAILIN_IMAP_SSL else 143))
MAILIN_IMAP_USER = os.environ.get("DJANGO_MAILIN_IMAP_USER", "")
MAILIN_IMAP_PASSWORD = os.environ.get("DJANGO_MAILIN_IMAP_PASSWORD", "")
MAILIN_IMAP_FOLDER = os.environ.get("DJANGO_MAILIN_IMAP_FOLDER", "INBOX")
MAILIN_POLL_SECONDS = int(os.environ.get("DJANGO_MAILIN_POLL_SECONDS", "60"))
# A message larger than this is refused unread (its headers only are read, to record it).
MAILIN_MAX_BYTES = int(os.environ.get("DJANGO_MAILIN_MAX_BYTES", str(25 * 1024 * 1024)))

# Business constants of the contract.
DEFAULT_DIAGNOSIS_FEE_NET = Decimal("20.00")
INVOICE_PAYMENT_DAYS = 30
# An entity marked as demo data (the fictitious ones seeded with the schema) issues no invoice, credit
# note or quote unless this is on: on by default with DEBUG (`make run`), on in the test suite.
DEMO_ENTITIES_MAY_ISSUE = env_bool("DJANGO_DEMO_ENTITIES_MAY_ISSUE", DEBUG)
QUOTE_DEFAULT_VALID_DAYS = 14
# SLA credits (credits/rules.py): a provider-fault outage of a service under an SLA earns this percentage of
# the service's monthly price per hour of unavailability, at most the cap; the contract's rates.
SLA_CREDIT_PERCENT_PER_HOUR = Decimal(os.environ.get("DJANGO_SLA_CREDIT_PERCENT_PER_HOUR", "5"))
SLA_CREDIT_CAP_PERCENT = Decimal(os.environ.get("DJANGO_SLA_CREDIT_CAP_PERCENT", "50"))

# Hardening (SEC-02..07). HTTPS-only settings are on unless DJANGO_SECURE_SSL says otherwise, and
# DJANGO_SECURE_SSL defaults to "on unless DEBUG": production never needs to remember it, `make run`
# (DEBUG on plain http://127.0.0.1:8000) gets plain cookies, and tests/conftest.py turns them off
# because the test client and live_server speak plain HTTP.
SECURE_SSL = env_bool("DJANGO_SECURE_SSL", not DEBUG)
# Where the site is, for the links e-mails carry (no request to ask when a worker sends them): the first
# host name served, over HTTPS, or plain HTTP on port 8000 (`make run`, the compose file without a proxy).
SITE_URL = (
    os.environ.get("DJANGO_SITE_URL", "").strip()
    or (f"https://{OTP_WEBAUTHN_RP_ID}" if SECURE_SSL else f"http://{OTP_WEBAUTHN_RP_ID}:8000")
).rstrip("/")
SECURE_SSL_REDIRECT = SECURE_SSL
# The load balancer's probe and Prometheus' scrapes speak plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Asked for by `check --deploy`; the domain is submitted to the preload list once it is live.
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL
# `__Host-` cookies are only accepted by browsers when Secure, for the whole site, with no Domain.
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_SSL else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_SSL else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
# Pages carry the token in the form or in htmx's hx-headers; no script ever reads the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS-terminating reverse proxy, the number of proxies that append to X-Forwarded-For and
# set X-Forwarded-Proto. 0 (direct exposure): both headers are the client's and are ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# SEC-05: enforced CSP (django-csp 4, the backport of Django 6.0's SECURE_CSP). Scripts only from
# this origin or with the per-response nonce; nothing inline without it, no eval, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI's stylesheet draws its icons with data: SVG images.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": "/csp-report/",
    },
}

# SEC-07: 5 failed logins of one e-mail from one client IP lock that pair for 15 minutes, on the
# portal login form and on POST /api/v1/auth/token/ alike; a right password is refused meanwhile.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "config.security.login_username"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Its start-up banner went to stdout of every management command, enforce_deadlines included.
AXES_VERBOSE = False

# Prometheus metrics at /metrics (config/metrics.py): a bearer token, client networks, or both; with neither
# the endpoint answers 404. The counts live in REDIS_URL (every process of every node adds to them).
METRICS_TOKEN = os.environ.get("DJANGO_METRICS_TOKEN", "").strip()
METRICS_ALLOWED_NETS = [
    ipaddress.ip_network(net, strict=False) for net in env_list("DJANGO_METRICS_ALLOWED_NETS", "")
]
METRICS_KEY_PREFIX = "metrics:"

# Log lines as text (`make run`) or one JSON object each (DJANGO_LOG_FORMAT=json: production's log
# collectors); both carry the request's id (config/logs.py), in the web and in the Celery workers.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ValueError(f"DJANGO_LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step and factur-x every file at INFO: only their problems matter.
    "loggers": {
        **{name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "factur-x")},
        # SEC-26: second factors enrolled, given, refused, removed (accounts.mfa); never a code or a secret.
        "security.mfa": {"level": "INFO"},
    },
}
