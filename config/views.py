"""Site-wide endpoints that belong to no app: the health probe, CSP reports and the 500/503 page."""

import json
import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

csp_log = logging.getLogger("security.csp")
log = logging.getLogger(__name__)

CSP_REPORT_MAX_BYTES = 64 * 1024


@csrf_exempt  # browsers send reports without a token; the endpoint only writes a log line
@require_POST
def csp_report(request):
    """Log a browser's CSP violation report (SEC-05) as one JSON line, then answer 204."""
    body = request.read(CSP_REPORT_MAX_BYTES + 1)
    try:
        report = json.loads(body) if 0 < len(body) <= CSP_REPORT_MAX_BYTES else None
    except (ValueError, RecursionError):
        report = None
    if isinstance(report, dict):
        report = report.get("csp-report", report)
    if isinstance(report, dict):
        # json.dumps escapes newlines and control characters: a report cannot forge log lines (SEC-26).
        fields = (
            "document-uri",
            "violated-directive",
            "effective-directive",
            "blocked-uri",
            "source-file",
            "line-number",
        )
        csp_log.warning("csp violation %s", json.dumps({k: str(report.get(k, ""))[:500] for k in fields}))
    return HttpResponse(status=204)


def _database_ok() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _broker_ok() -> bool:
    from config.celery import app

    url = app.conf.broker_url or ""
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            # kombu connects to Redis lazily; a PING is the only way to know it answers.
            redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        else:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure to reach the broker is "down", whatever the transport says
        return False


def health(request):
    """REL-15: 200 "ok" with everything up, 200 "degraded" without the broker (requests still commit;
    the sweeps catch up), 503 "down" without the database."""
    checks = {"database": "ok" if _database_ok() else "down", "broker": "ok" if _broker_ok() else "down"}
    if checks["database"] != "ok":
        status, code = "down", 503
    elif checks["broker"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = JsonResponse({"status": status, **checks}, status=code)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a generic page (SEC-27); a database that cannot be reached is a 503 (REL-14)."""
    exc = sys.exc_info()[1]
    database_down = isinstance(exc, OperationalError | InterfaceError)
    status = 503 if database_down else 500
    if request.path.startswith("/api/"):
        detail = (
            "The service is briefly unavailable; try again in a minute." if database_down else "Server error."
        )
        response = JsonResponse({"detail": detail}, status=status)
    else:
        try:
            body = loader.select_template([f"{status}.html", "500.html"]).render(
                {"database_down": database_down}
            )
        except Exception:  # noqa: BLE001 - the error page itself must never fail (no template, no database)
            body = "<!doctype html><title>Server error</title><h1>Server error</h1>"
        response = HttpResponse(body, status=status)
    if database_down:
        response["Retry-After"] = "30"
        log.error("database unavailable: %s", type(exc).__name__)
    return response
