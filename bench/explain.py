"""The query plans of the benchmark's pages, for docs/performance.md: `python bench/explain.py` (bench env).

Requests each page once through Django's test client as the benchmark's users, captures its SQL, and
prints, in Markdown, the EXPLAIN (ANALYZE, BUFFERS) of its costliest statement, and one line per other
SELECT with its time and the scans it uses. Reads only (the ticket creations are left out).
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402


def pages(fx: dict) -> list[tuple[str, str, str]]:
    ticket = fx["ticket_ids"][0]
    return [
        ("Staff queue page", "agent", "/staff/"),
        ("Customer's ticket list", "customer", "/customer/tickets/"),
        ("Ticket page (customer)", "customer", f"/customer/tickets/{ticket}/"),
        ("Ticket page (staff)", "agent", f"/staff/tickets/{ticket}/"),
        ("API tickets ?status=resolved (staff)", "agent", "/api/v1/tickets/?status=resolved"),
        ("API tickets ?status=closed (customer)", "customer", "/api/v1/tickets/?status=closed"),
        ("API invoices ?status=open", "finance", "/api/v1/invoices/?status=open"),
        ("API invoices ?customer=", "finance", f"/api/v1/invoices/?customer={fx['invoice_customer_id']}"),
        ("Finance unpaid list", "finance", "/finance/"),
        ("Receivables summary (API)", "finance", "/api/v1/reports/receivables/"),
        # Issue 16: each text the search scenarios type, in the staff's list (all tickets) and the customer's.
        *(
            (f"Search {text!r} (staff API)", "agent", "/api/v1/tickets/?" + urlencode({"q": text}))
            for text in fx["search"]["staff"]
        ),
        *(
            (f"Search {text!r} (customer API)", "customer", "/api/v1/tickets/?" + urlencode({"q": text}))
            for text in fx["search"]["customer"]
        ),
    ]


def explain(sql: str, params=None) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        return cursor.fetchone()[0][0]


def scans(node: dict) -> list[str]:
    found = []
    if "Scan" in node["Node Type"]:
        name = node["Node Type"] + (f" using {node['Index Name']}" if node.get("Index Name") else "")
        found.append(f"{name} on {node.get('Relation Name', '?')}")
    for child in node.get("Plans", []):
        found += scans(child)
    return found


def text_plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    fx = json.loads(sys.stdin.read())
    users = {role: User.objects.get(email=fx[role]["email"]) for role in ("customer", "agent", "finance")}
    out = []
    for name, role, path in pages(fx):
        client = Client(HTTP_HOST="127.0.0.1")
        if path.startswith("/api/"):
            client.defaults["HTTP_AUTHORIZATION"] = "Token " + fx[role]["token"]
        else:
            client.force_login(users[role])
        client.get(path)  # warm: the session's first write, caches
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")]
        timed = []
        for sql in selects:
            plan = explain(sql)
            timed.append((plan["Execution Time"], sql, plan))
        out.append(f"#### {name}: `GET {path}` (HTTP {status}, {len(captured)} queries)\n")
        for ms, sql, plan in timed:
            uses = "; ".join(dict.fromkeys(scans(plan["Plan"]))) or plan["Plan"]["Node Type"]
            out.append(f"- {ms:.2f} ms: `{sql[:90]}…` — {uses}")
        if timed:
            _ms, sql, _plan = max(timed, key=lambda item: item[0])
            out += ["", "The costliest one:", "", "```", text_plan(sql), "```", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
