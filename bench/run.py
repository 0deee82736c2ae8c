#!/usr/bin/env python3
"""The benchmark of issue 8, in one command: `python bench/run.py` (see docs/performance.md).

1. Creates, migrates and seeds a dedicated PostgreSQL database (`incident_bench`, seed_scale --scale 1:
   1,000,000 tickets) unless it is already seeded.
2. Starts gunicorn (2 sync workers, port 8100) and a Celery worker on it, with the production settings
   (DEBUG off) and bench/wsgi.py, which only adds a header counting the SQL queries of each request.
3. Drives each scenario with wrk on loopback at concurrency 8, three runs each, and takes the median of
   each figure; then reads the web workers' peak memory.
4. Runs `enforce_deadlines` three times, each on a fresh copy of the database with 100,000 more
   invoices past their due day, timing it and sampling its memory.
5. Runs bench/pdf_bench.py (PDF rendering throughput) when it is there, and bench/mailin_bench.py
   (1,000 e-mails received by one IMAP poll, into the bench database) when dovecot is installed.
6. Prints the table and writes it into docs/performance.md between the bench markers.

With `--nodes N` (issue 17) it measures instead what N web nodes give over one: the scenarios run through
HAProxy against 1 and against N gunicorn nodes (each with its own local disk, the same workers per node),
both arrangements up at once with a Celery worker and an S3 API server each, started by
tests/reliability/nodes.py, their runs alternating; it reports each figure for both and the gain, and writes
that table between the nodes markers of docs/performance.md.

Everything runs on this machine only (127.0.0.1); every loop is bounded in time.
"""
# ruff: noqa: S603, S607, S310, S608 - a developer tool: it runs local programs and fixed SQL on its own database.

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "performance.md"
PY = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
BIN = Path(PY).parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB_NAME", "incident_bench")
DEADLINE_DB = f"{DB_NAME}_deadlines"
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/7")  # a Redis db of its own
PORT = int(os.environ.get("BENCH_PORT", "8100"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "bench-incident-desk-2026"  # seed_scale's SCALE_PASSWORD
START_MARK, END_MARK = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
NODES_START, NODES_END = "<!-- bench:nodes:start -->", "<!-- bench:nodes:end -->"
# What --nodes measures unless --only says otherwise: pages and API lists of the customer and finance (their
# logins need no second factor) and ticket creation, the write path.
NODES_SCENARIOS = [
    "Customer's ticket list",
    "Ticket page (customer)",
    "API tickets ?status=closed (customer)",
    "API invoices ?status=open",
    "Ticket creation (API)",
]

# The targets of issue 8 at 1,000,000 tickets; of issue 16 for search (with 3,000,000 messages).
PAGE_RPS, PAGE_P95_MS, CREATE_RPS = 150, 100, 100
SEARCH_P95_MS = 100
SLA_P95_MS = 100  # issue 16: the queue sorted by SLA time left
DEADLINE_SECONDS, WORKER_MB = 60, 250


def log(text: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {text}", flush=True)


def db_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def app_env(db: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url(db),
            "CELERY_BROKER_URL": BROKER,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_LOG_LEVEL": "WARNING",
            # Plain HTTP on loopback: in production TLS ends at the proxy in front of gunicorn.
            "DJANGO_SECURE_SSL": "false",
            # No SMTP server here: e-mails are built and recorded as sent, not delivered.
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # wrk floods ticket creation from one user and one IP on purpose: the limits are still
            # counted (their Redis round trip is part of the measured cost) but never reached.
            "DJANGO_RATE_LIMIT_MULTIPLIER": "1000000",
            # Production's setting for a desk of many agents (docs/scaling.md): a new ticket's staff notice is
            # one e-mail to the team, not one per agent (seed_scale makes 50 agents: 50 e-mails per ticket).
            "DJANGO_SUPPORT_QUEUE_EMAIL": "support-team@bench.invalid",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    return env


def outbox_settle(db: str) -> int:
    """Count as sent the e-mails an earlier step or run left unsent, so that no Celery worker of this run
    spends the measured time on them; how many there were."""
    return int(
        psql(
            "WITH settled AS (UPDATE billing_sentemail SET sent_at = now(), attempts = 1 WHERE sent_at IS NULL "
            "RETURNING 1) SELECT COUNT(*) FROM settled",
            db,
        )
        or 0
    )


def psql(sql: str, db: str = "postgres") -> str:
    done = subprocess.run(["psql", db_url(db), "-qAtX", "-c", sql], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"psql failed: {sql}\n{done.stderr}")
    return done.stdout.strip()


def manage(*args: str, db: str, capture: bool = False) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=app_env(db), text=True, capture_output=capture
    )
    if done.returncode:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed\n{done.stdout if capture else ''}"
            f"{done.stderr if capture else ''}"
        )
    return done.stdout if capture else ""


# ------------------------------------------------------------------------------------------ database


# The PostgreSQL settings docs/performance.md asks of production, set on the bench databases.
# random_page_cost: the data sits in RAM or on SSD, where a random read costs about a sequential one; at
# the default (4, for spinning disks) the planner prefers walking the primary key past thousands of
# finished tickets to the (status, id) index. jit: compiling a reporting query took 1.2 s of its 1.35 s.
DATABASE_SETTINGS = {"random_page_cost": "1.1", "jit": "off"}


def tune(db: str) -> None:
    for name, value in DATABASE_SETTINGS.items():
        psql(f'ALTER DATABASE "{db}" SET {name} = {value}')


def database_ready(scale: float) -> None:
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"):
        log(f"creating database {DB_NAME}")
        psql(f'CREATE DATABASE "{DB_NAME}"')
    tune(DB_NAME)
    log("migrating")
    manage("migrate", "--noinput", "--skip-checks", "-v0", db=DB_NAME)
    tickets = int(psql("SELECT COUNT(*) FROM tickets_ticket", DB_NAME))
    if tickets == 0:
        log(f"seeding at scale {scale:g} (a few minutes at scale 1)")
        started = time.monotonic()
        manage("seed_scale", "--scale", str(scale), db=DB_NAME)
        log(f"seeded in {time.monotonic() - started:.0f} s")
    else:
        log(f"database already seeded: {tickets:,} tickets")


def fixtures() -> dict:
    done = subprocess.run(
        [PY, str(ROOT / "bench" / "fixtures.py")],
        cwd=ROOT,
        env=app_env(DB_NAME),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ servers


class Servers:
    """gunicorn and Celery workers on one database; stopped by their own process ids."""

    def __init__(self, db: str, *, web: bool = True, queues: list[str] | None = None):
        # queues: one Celery worker per queue named (the deadline run: e-mails apart from PDF rendering);
        # by default one worker consumes them all.
        self.db, self.web, self.queues = db, web, queues
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _spawn(self, program: str, args: list[str], *, env: dict) -> subprocess.Popen:
        """Start one of the venv's programs, its output appended to var/bench/<program>.log."""
        process = subprocess.Popen(
            [str(BIN / program), *args],
            cwd=ROOT,
            env=env,
            stdout=open(VAR / f"{program}.log", "a"),  # noqa: SIM115 - the process owns it
            stderr=subprocess.STDOUT,
        )
        self.procs.append(process)
        return process

    def _start(self):
        VAR.mkdir(parents=True, exist_ok=True)
        env = app_env(self.db)
        subprocess.run(["redis-cli", "-u", BROKER, "FLUSHDB"], capture_output=True)  # tasks of a former run
        if self.web:
            self.gunicorn = self._spawn(
                "gunicorn",
                ["bench.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{PORT}"]
                + ["--log-level", "warning", "--timeout", "60"],
                env=env,
            )
        for queue in self.queues or [None]:
            self.celery = self._spawn(
                "celery",
                ["-A", "config", "worker", "--concurrency", "1", "--loglevel", "WARNING"]
                + ["--without-gossip", "--without-mingle", "--without-heartbeat"]
                + (["-Q", queue, "-n", f"{queue}@%h"] if queue else []),
                env=env,
            )
        if self.web:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{BASE}/login/", timeout=30)
                    break
                except urllib.error.HTTPError:
                    break  # it answers; the scenarios' probes report what is wrong
                except (urllib.error.URLError, OSError):
                    time.sleep(0.5)
            else:
                raise RuntimeError(f"gunicorn did not answer on {BASE}; see {VAR / 'gunicorn.log'}")
        return self

    def cpu_seconds(self) -> tuple[dict, dict]:
        """CPU time so far of each web worker, and of each PostgreSQL backend serving this database."""
        backends = [
            int(pid)
            for pid in psql(
                f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.db}' AND pid <> pg_backend_pid()"
            ).split()
        ]
        return _cpu(self.worker_pids()), _cpu(backends)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()  # the broker once hung a worker's shutdown; do not wait for ever
                proc.wait(timeout=5)


def _cpu(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime and stime
    return seconds


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    # A process may start (a new connection) or end between the two readings: count what each did in between.
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------------ sessions


class Session:
    """A logged-in browser: its cookies and CSRF token, for the portal scenarios."""

    def __init__(self, email: str):
        self.jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = opener.open(f"{BASE}/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(f"{BASE}/login/", data=data, headers={"Referer": f"{BASE}/login/"})
        opener.open(request, timeout=30)
        cookies = {c.name: c.value for c in self.jar}
        if "sessionid" not in cookies:
            raise RuntimeError(f"could not log in as {email}")
        self.cookies = cookies
        self.opener = opener

    def headers(self) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "X-CSRFToken": self.cookies.get("csrftoken", ""), "Referer": BASE + "/"}


def token_headers(token: str) -> dict:
    return {"Authorization": f"Token {token}", "Accept": "application/json"}


# ------------------------------------------------------------------------------------------ scenarios


def get(name: str, paths: list[str], headers: dict, kind: str) -> dict:
    """A scenario of GET requests: wrk asks for `paths` in turn, with these headers."""
    return {"name": name, "paths": paths, "headers": headers, "kind": kind}


def scenarios(fx: dict, sessions: dict) -> list[dict]:
    customer, agent, finance = sessions["customer"], sessions["agent"], sessions["finance"]
    tickets = fx["ticket_ids"]
    csrf = customer.cookies.get("csrftoken", "")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "subject": "Bench: server unreachable",
            "description": "Opened by the benchmark.",
            "accept_diagnosis_fee": "on",
        }
    )
    api_body = json.dumps(
        {
            "kind": "incident",
            "subject": "Bench: server unreachable",
            "description": "Opened by the benchmark.",
            "accept_diagnosis_fee": True,
        }
    )
    agent_api, finance_api = token_headers(fx["agent"]["token"]), token_headers(fx["finance"]["token"])
    customer_api = token_headers(fx["customer"]["token"])
    invoices_of_customer = f"/api/v1/invoices/?customer={fx['invoice_customer_id']}"
    return [
        get("Staff queue page", ["/staff/"], agent.headers(), "page"),
        get("Customer's ticket list", ["/customer/tickets/"], customer.headers(), "page"),
        get(
            "Ticket page (customer)", [f"/customer/tickets/{t}/" for t in tickets], customer.headers(), "page"
        ),
        get("Ticket page (staff)", [f"/staff/tickets/{t}/" for t in tickets], agent.headers(), "page"),
        get("API tickets ?status=resolved (staff)", ["/api/v1/tickets/?status=resolved"], agent_api, "page"),
        get(
            "API tickets ?status=closed (customer)", ["/api/v1/tickets/?status=closed"], customer_api, "page"
        ),
        get("API invoices ?status=open", ["/api/v1/invoices/?status=open"], finance_api, "page"),
        get("API invoices ?customer=", [invoices_of_customer], finance_api, "page"),
        get("Finance unpaid list", ["/finance/"], finance.headers(), "page"),
        get("Receivables summary (API)", ["/api/v1/reports/receivables/"], finance_api, "page"),
        *search_scenarios(fx, agent=agent, customer=customer),
        *sla_scenarios(fx, agent=agent, finance=finance),
        {
            "name": "Ticket creation (API)",
            "paths": ["/api/v1/tickets/"],
            "method": "POST",
            "body": api_body,
            "headers": {**customer_api, "Content-Type": "application/json"},
            "kind": "create",
        },
        {
            "name": "Ticket creation (form)",
            "paths": ["/customer/tickets/new/"],
            "method": "POST",
            "body": form,
            "headers": {**customer.headers(), "Content-Type": "application/x-www-form-urlencoded"},
            "kind": "create",
        },
    ]


def search_scenarios(fx: dict, *, agent: "Session", customer: "Session") -> list[dict]:
    """Searches (issue 16): each request types the next of fixtures.py's texts (common and rare words, a
    word found nowhere, a customer's name, ticket and invoice numbers), in the API and the portals."""

    def paths(prefix: str, texts: list[str]) -> list[str]:
        return [prefix + urllib.parse.urlencode({"q": text}) for text in texts]

    staff, own = fx["search"]["staff"], fx["search"]["customer"]
    agent_api, customer_api = token_headers(fx["agent"]["token"]), token_headers(fx["customer"]["token"])
    return [
        get("Search: API tickets ?q= (staff)", paths("/api/v1/tickets/?", staff), agent_api, "search"),
        get("Search: API queue ?q= (staff)", paths("/api/v1/tickets/queue/?", staff), agent_api, "search"),
        get("Search: all tickets page (staff)", paths("/staff/tickets/?", staff), agent.headers(), "search"),
        get("Search: API tickets ?q= (customer)", paths("/api/v1/tickets/?", own), customer_api, "search"),
        get(
            "Search: my tickets page (customer)",
            paths("/customer/tickets/?", own),
            customer.headers(),
            "search",
        ),
    ]


def sla_scenarios(fx: dict, *, agent: "Session", finance: "Session") -> list[dict]:
    """The inbox sorted by time left to the next response target (issue 16): the agents' landing page, its
    API list, each narrowed to the breached tickets, and the SLA report."""
    agent_api, finance_api = token_headers(fx["agent"]["token"]), token_headers(fx["finance"]["token"])
    breached_incidents = "/api/v1/tickets/inbox/?kind=incident&breached=true"
    return [
        get("SLA: inbox by time left (staff page)", ["/staff/"], agent.headers(), "sla"),
        get("SLA: inbox, breached only (staff page)", ["/staff/?breached=on"], agent.headers(), "sla"),
        get("SLA: API inbox by time left", ["/api/v1/tickets/inbox/"], agent_api, "sla"),
        get("SLA: API inbox ?kind=incident&breached=true", [breached_incidents], agent_api, "sla"),
        get("SLA: report, 12 months (API)", ["/api/v1/reports/sla/"], finance_api, "report"),
    ]


def probe(scenario: dict) -> tuple[int, str]:
    """One request before the load: the status, so a missing page is reported rather than measured."""
    request = urllib.request.Request(
        BASE + scenario["paths"][0],
        headers=scenario["headers"],
        data=scenario.get("body", "").encode() or None,
        method=scenario.get("method", "GET"),
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        return response.status, response.headers.get("X-Bench-Queries", "?")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("X-Bench-Queries", "?")


def wrk(scenario: dict, *, seconds: int, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths, headers = Path(tmp) / "paths", Path(tmp) / "headers"
        paths.write_text("\n".join(scenario["paths"]) + "\n")
        headers.write_text("".join(f"{k}: {v}\n" for k, v in scenario["headers"].items()))
        env = dict(
            os.environ,
            BENCH_PATHS=str(paths),
            BENCH_HEADERS=str(headers),
            BENCH_METHOD=scenario.get("method", "GET"),
        )
        if scenario.get("body"):
            env["BENCH_BODY"] = scenario["body"]
        done = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(concurrency),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench" / "wrk.lua"),
                BASE,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=seconds + 60,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCH_JSON ") :])
    result["queries_per_request"] = result["queries"] / result["counted"] if result["counted"] else None
    return result


def median_of(runs: list[dict]) -> dict:
    keys = ["rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "queries_per_request", "web_cpu_ms", "db_cpu_ms"]
    out = {
        k: statistics.median([r[k] for r in runs if r.get(k) is not None])
        if any(r.get(k) is not None for r in runs)
        else None
        for k in keys
    }
    out["bad"] = sum(r["bad"] + r["socket_errors"] for r in runs)
    out["runs"] = [{k: r[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms")} for r in runs]
    return out


def web_phase(args, fx: dict) -> tuple[list[dict], dict]:
    results = []
    settled = outbox_settle(DB_NAME)  # an earlier run's ticket creations: not this run's worker's work
    if settled:
        log(f"{settled:,} e-mails left unsent by an earlier run counted as sent")
    with Servers(DB_NAME) as servers:
        sessions = {role: Session(fx[role]["email"]) for role in ("customer", "agent", "finance")}
        for scenario in scenarios(fx, sessions):
            if args.only and not any(o.lower() in scenario["name"].lower() for o in args.only):
                continue
            status, queries = probe(scenario)
            if status >= 400:
                log(f"{scenario['name']}: HTTP {status} before any load: not measured")
                results.append(
                    {"name": scenario["name"], "kind": scenario["kind"], "missing": f"HTTP {status}"}
                )
                continue
            wrk(scenario, seconds=args.warmup, concurrency=args.concurrency)  # warm caches and connections
            runs = []
            for n in range(args.runs):
                web_before, db_before = servers.cpu_seconds()
                runs.append(wrk(scenario, seconds=args.seconds, concurrency=args.concurrency))
                web_after, db_after = servers.cpu_seconds()
                r = runs[-1]
                # CPU per request, of the web workers and of PostgreSQL: what the figures would become on
                # cores not shared with anything else (the machine's other users take the rest).
                r["web_cpu_ms"] = _cpu_used(web_before, web_after) * 1000 / max(r["requests"], 1)
                r["db_cpu_ms"] = _cpu_used(db_before, db_after) * 1000 / max(r["requests"], 1)
                log(
                    f"{scenario['name']} run {n + 1}: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, "
                    f"p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['queries_per_request'] or 0:.1f} "
                    f"queries/req, {r['bad']} bad"
                )
            results.append({"name": scenario["name"], "kind": scenario["kind"], **median_of(runs)})
        memory = {
            "worker_peak_mb": [round(status_kb(pid, "VmHWM") / 1024, 1) for pid in servers.worker_pids()]
        }
    return results, memory


# ------------------------------------------------------------------------------------------ nodes


def nodes_phase(args, fx: dict) -> list[dict]:
    """Each scenario through HAProxy on 1 node and on `args.nodes` nodes: the gain of scaling out.

    Both arrangements run at once (each with its own HAProxy, S3 server and Celery worker, on the same
    database and Redis), and each scenario's runs alternate between them: on a machine shared with other
    work, both see the same moments of load.
    """
    global BASE
    sys.path.insert(0, str(ROOT))
    from contextlib import ExitStack

    from tests.reliability.nodes import Cluster, missing

    why = missing()
    if why:
        sys.exit(f"--nodes: {why}")
    wanted = args.only or NODES_SCENARIOS
    subprocess.run(["redis-cli", "-u", BROKER, "FLUSHDB"], capture_output=True)
    rows = []
    with ExitStack() as stack:
        clusters = {}
        for count in (1, args.nodes):
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-nodes-{count}-", dir=VAR))
            log(f"starting {count} node(s) behind HAProxy in {workdir}")
            clusters[count] = stack.enter_context(
                Cluster(
                    database_url=db_url(DB_NAME),
                    redis_url=BROKER,
                    workdir=workdir,
                    nodes=count,
                    workers=1,
                    gunicorn_workers=args.node_workers,
                    app="bench.wsgi:application",
                    env={key: value for key, value in app_env(DB_NAME).items() if key.startswith("DJANGO_")},
                )
            )
        # Sessions are rows of the shared database: logged in through one balancer, valid through the other.
        BASE = clusters[1].url
        sessions = {role: Session(fx[role]["email"]) for role in ("customer", "agent", "finance")}
        for scenario in scenarios(fx, sessions):
            if not any(o.lower() in scenario["name"].lower() for o in wanted):
                continue
            runs: dict[int, list[dict]] = {count: [] for count in clusters}
            for count, cluster in clusters.items():
                BASE = cluster.url
                status, _queries = probe(scenario)
                if status >= 400:
                    log(f"{scenario['name']} on {count} node(s): HTTP {status} before any load: not measured")
                    break
                wrk(scenario, seconds=args.warmup, concurrency=args.concurrency)
            else:
                for _ in range(args.runs):
                    for count, cluster in clusters.items():
                        BASE = cluster.url
                        runs[count].append(wrk(scenario, seconds=args.seconds, concurrency=args.concurrency))
                one, many = median_of(runs[1]), median_of(runs[args.nodes])
                rows.append(
                    {
                        "name": scenario["name"],
                        "one": one,
                        "many": many,
                        "gain": many["rps"] / one["rps"] if one["rps"] else None,
                    }
                )
                log(
                    f"{scenario['name']}: 1 node {one['rps']:.0f} req/s (p95 {one['p95_ms']:.1f} ms), "
                    f"{args.nodes} nodes {many['rps']:.0f} req/s (p95 {many['p95_ms']:.1f} ms), "
                    f"{one['bad'] + many['bad']} bad"
                )
    BASE = f"http://127.0.0.1:{PORT}"
    return rows


def nodes_report(info: dict, fx: dict, rows: list[dict], args) -> str:
    lines = [
        f"Measured {info['date']} by `python bench/run.py --nodes {args.nodes}` on {fx['counts']['tickets']:,} "
        f"tickets (seed_scale --scale {args.scale:g}), on {info['cpu']}, {info['memory']}; load average "
        f"before: {info['load_before']}, after: {info.get('load_after', '?')}.",
        "",
        f"Through HAProxy (round robin): 1 node, and {args.nodes} nodes, of gunicorn with {args.node_workers} "
        f"sync workers each, each node with its own DJANGO_VAR_DIR, each arrangement with a Celery worker and an "
        f"S3 API server (moto), on one PostgreSQL and one Redis (sessions, rate limits): all on this one machine, "
        f"both arrangements up at once and each scenario's runs alternating between them. wrk with "
        f"{args.concurrency} connections, {args.seconds} s per run after a {args.warmup} s warm-up, the median "
        f"of {args.runs} runs.",
        "",
        f"| scenario | 1 node req/s | {args.nodes} nodes req/s | gain | 1 node p95 ms | {args.nodes} nodes p95 ms "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        one, many = row["one"], row["many"]
        gain = f"×{row['gain']:.2f}" if row["gain"] else "?"
        lines.append(
            f"| {row['name']} | {one['rps']:.0f} | {many['rps']:.0f} | {gain} | {one['p95_ms']:.1f} | "
            f"{many['p95_ms']:.1f} | {one['bad'] + many['bad']} |"
        )
    return "\n".join(lines) + "\n"


def write_nodes_doc(section: str) -> None:
    write_between_marks(section, NODES_START, NODES_END, heading="Several web nodes (issue 17)")


# ------------------------------------------------------------------------------------------ deadlines


def deadline_run(overdue: int, email_sample: int) -> dict:
    psql(f'DROP DATABASE IF EXISTS "{DEADLINE_DB}"')
    started = time.monotonic()
    psql(f'CREATE DATABASE "{DEADLINE_DB}" TEMPLATE "{DB_NAME}" STRATEGY FILE_COPY')
    copied = time.monotonic() - started
    tune(DEADLINE_DB)  # settings of a database are not copied with it
    manage("seed_scale", "--add-overdue", str(overdue), db=DEADLINE_DB, capture=True)
    # The web scenarios' e-mails (the new tickets') that the worker had not sent yet are no work of the
    # sweeps: the e-mail step measures the sweeps' own.
    outbox_settle(DEADLINE_DB)
    # Two workers, as production can run them (config/settings.py, SEC-21): the e-mails the sweep relays
    # would otherwise wait behind its hundred 1,000-document credit-note PDF batches.
    with Servers(DEADLINE_DB, web=False, queues=["celery", "pdf"]):
        time.sleep(3)  # the workers are up and polling, as in production
        command = [PY, str(ROOT / "bench" / "deadlines.py"), "--email-sample", str(email_sample)]
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=app_env(DEADLINE_DB),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        samples: list[tuple[float, int]] = []

        def sample() -> None:
            while proc.poll() is None:
                try:
                    samples.append((time.monotonic(), status_kb(proc.pid, "VmRSS")))
                except (FileNotFoundError, ProcessLookupError):
                    break
                time.sleep(0.2)

        begun = time.monotonic()
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate(timeout=3600)
        seconds = time.monotonic() - begun
        sampler.join(timeout=5)
    if proc.returncode:
        raise RuntimeError(f"enforce_deadlines failed:\n{out}\n{err[-3000:]}")
    lapsed = int(psql("SELECT COUNT(*) FROM billing_invoice WHERE status = 'lapsed'", DEADLINE_DB))
    still_due = int(
        psql(
            "SELECT COUNT(*) FROM billing_invoice WHERE status = 'open' AND due_on < CURRENT_DATE",
            DEADLINE_DB,
        )
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    psql(f'DROP DATABASE IF EXISTS "{DEADLINE_DB}"')
    rss = [kb for _t, kb in samples] or [0]
    # Flat memory: the peak compared with the memory a tenth of the way in (imports done, first chunks run).
    early = rss[max(0, len(rss) // 10)]
    timed = json.loads(next(line for line in out.splitlines() if line.startswith("DEADLINES_JSON "))[15:])
    # The time of the sweeps, not of the process start-up nor of the e-mails' drain after them.
    return {
        "seconds": timed["seconds"],
        "process_seconds": seconds,
        "peak_mb": max(rss) / 1024,
        "early_mb": early / 1024,
        "lapsed_total": lapsed,
        "still_due": still_due,
        "sweeps": timed["sweeps"],
        "copy_seconds": copied,
        "drain": timed["drain"],
        "lost_sample": timed["lost_sample"],
        "load_before": load_before,
        "load_after": load,
    }


def deadlines_phase(args) -> dict:
    runs = []
    for n in range(args.runs):
        runs.append(deadline_run(args.overdue, args.email_sample))
        r = runs[-1]
        log(
            f"enforce_deadlines run {n + 1}: {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB "
            f"(at 10 %: {r['early_mb']:.0f} MB), still due after: {r['still_due']}; "
            + ", ".join(f"{s['sweep']} {s['count']} in {s['seconds']} s" for s in r["sweeps"])
            + f"; e-mails drained {r['drain']}; lost ones sent inline {r['lost_sample']}; "
            f"load {r['load_before']} -> {r['load_after']}"
        )
    return {
        "overdue": args.overdue,
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
        "early_mb": statistics.median(r["early_mb"] for r in runs),
        "still_due": max(r["still_due"] for r in runs),
        "runs": [round(r["seconds"], 1) for r in runs],
        # Each sweep's median time over the runs (their counts are the same in every run).
        "sweeps": [
            {
                "sweep": s["sweep"],
                "count": s["count"],
                "seconds": statistics.median(r["sweeps"][i]["seconds"] for r in runs),
            }
            for i, s in enumerate(runs[-1]["sweeps"])
        ],
        "drain": {
            "recorded": runs[-1]["drain"]["recorded"],
            "left": max(r["drain"]["left"] for r in runs),
            **{
                key: statistics.median(r["drain"][key] for r in runs)
                for key in ("seconds_from_start", "seconds_after_sweeps", "sent_during_sweeps")
            },
        },
        "lost_sample": None
        if not runs[-1]["lost_sample"]
        else {
            "count": runs[-1]["lost_sample"]["count"],
            **{key: statistics.median(r["lost_sample"][key] for r in runs) for key in ("seconds", "ms_each")},
        },
        "loads": [f"{r['load_before']} -> {r['load_after']}" for r in runs],
        "lapse_seconds": statistics.median(
            sum(
                s["seconds"]
                for s in r["sweeps"]
                if s["sweep"] in ("invoices_lapse_overdue", "bans_apply_pending")
            )
            for r in runs
        ),
    }


def pdf_phase() -> str | None:
    script = ROOT / "bench" / "pdf_bench.py"
    if not script.exists():
        return None
    done = subprocess.run(
        [PY, str(script)], cwd=ROOT, env=app_env(DB_NAME), capture_output=True, text=True, timeout=1800
    )
    return (done.stdout + ("\n" + done.stderr[-2000:] if done.returncode else "")).strip()


def mailin_phase() -> str | None:
    script = ROOT / "bench" / "mailin_bench.py"
    if not script.exists() or not Path("/usr/sbin/dovecot").exists():  # Debian's dovecot-imapd
        return None
    done = subprocess.run(
        [PY, str(script), "--database-url", db_url(DB_NAME)],
        cwd=ROOT,
        env=app_env(DB_NAME),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return (done.stdout + ("\n" + done.stderr[-2000:] if done.returncode else "")).strip()


# ------------------------------------------------------------------------------------------ report


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024

    def version(cmd: list[str]) -> str:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "?"

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{mem_gb:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version([PY, "-c", "import django; print(django.get_version())"]),
        "postgresql": psql("SHOW server_version"),
        "gunicorn": version([str(BIN / "gunicorn"), "--version"]),
        "celery": version([str(BIN / "celery"), "--version"]),
        "wrk": version(["wrk", "-v"]).split(" [")[0],
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(
    info: dict,
    fx: dict,
    web: list[dict],
    memory: dict,
    deadlines: dict | None,
    pdf: str | None,
    args,
    mailin: str | None = None,
) -> str:
    lines = [
        f"Measured {info['date']} by `python bench/run.py` on {fx['counts']['tickets']:,} tickets, "
        f"{fx['counts']['invoices']:,} invoices, {fx['counts']['customers']:,} accounts "
        f"(seed_scale --scale {args.scale:g}).",
        "",
        f"Machine: {info['cpu']}, {info['memory']}, {info['os']}. Python {info['python']}, Django {info['django']}, "
        f"PostgreSQL {info['postgresql']}, {info['gunicorn']} (2 sync workers), {info['celery']}, {info['wrk']}. "
        f"Load average before the run: {info['load_before']}; after: {info.get('load_after', '?')} "
        "(the machine is shared with other engineers' test runs: figures are noisy).",
        "",
        f"wrk on loopback, {args.concurrency} connections, {args.seconds} s per run after a {args.warmup} s "
        f"warm-up; each figure is the median of {args.runs} runs. Queries per request: counted in the "
        "server by bench/wsgi.py.",
        "",
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | SQL queries / request | CPU ms / request (web + db) "
        "| target | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in web:
        if "missing" in r:
            lines.append(f"| {r['name']} | – | – | – | – | – | – | | not measured: {r['missing']} |")
            continue
        if r["kind"] == "create":
            target, ok = f"≥ {CREATE_RPS}/s", r["rps"] >= CREATE_RPS and r["bad"] == 0
        elif r["kind"] == "search":
            target, ok = f"p95 < {SEARCH_P95_MS} ms", r["p95_ms"] < SEARCH_P95_MS and r["bad"] == 0
        elif r["kind"] == "sla":
            target, ok = f"p95 < {SLA_P95_MS} ms", r["p95_ms"] < SLA_P95_MS and r["bad"] == 0
        elif r["kind"] == "report":
            target, ok = "none (measured)", r["bad"] == 0
        else:
            target = f"≥ {PAGE_RPS}/s, p95 < {PAGE_P95_MS} ms"
            ok = r["rps"] >= PAGE_RPS and r["p95_ms"] < PAGE_P95_MS and r["bad"] == 0
        queries = f"{r['queries_per_request']:.1f}" if r["queries_per_request"] is not None else "?"
        bad = f" ({r['bad']} errors)" if r["bad"] else ""
        cpu = f"{r['web_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f}" if r.get("web_cpu_ms") is not None else "?"
        lines.append(
            f"| {r['name']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {queries} | {cpu} | {target} | {verdict(ok)}{bad} |"
        )
    if memory.get("worker_peak_mb"):
        peak = max(memory["worker_peak_mb"])
        lines += [
            "",
            f"Peak memory of the web workers (VmHWM) after all scenarios: "
            f"{', '.join(f'{m:.0f} MB' for m in memory['worker_peak_mb'])} "
            f"(target < {WORKER_MB} MB: {verdict(peak < WORKER_MB)}).",
        ]
    if deadlines:
        ok = deadlines["seconds"] < DEADLINE_SECONDS and deadlines["still_due"] == 0
        lines += [
            "",
            "### enforce_deadlines",
            "",
            f"The sweeps of `python manage.py enforce_deadlines` (run and timed one by one by bench/deadlines.py) "
            f"on a copy of the database with {deadlines['overdue']:,} more "
            f"open invoices past their due day (seed_scale --add-overdue), two Celery workers running (one for "
            f"the `celery` queue, one for `pdf`); median of {len(deadlines['runs'])} runs "
            f"({', '.join(f'{s} s' for s in deadlines['runs'])}; load average before -> after each: "
            f"{'; '.join(deadlines['loads'])}).",
            "",
            "| wall time | peak RSS | RSS a tenth of the way in | invoices left past due | target | verdict |",
            "|---:|---:|---:|---:|---|---|",
            f"| {deadlines['seconds']:.1f} s | {deadlines['peak_mb']:.0f} MB | {deadlines['early_mb']:.0f} MB | "
            f"{deadlines['still_due']} | < {DEADLINE_SECONDS} s, flat memory | {verdict(ok)} |",
            "",
            "| sweep | rows | seconds (median) |",
            "|---|---:|---:|",
            *(f"| {s['sweep']} | {s['count']:,} | {s['seconds']:.1f} |" for s in deadlines["sweeps"]),
            "",
            f"Lapsing the {deadlines['overdue']:,} invoices and applying their bans (the two first sweeps): "
            f"{deadlines['lapse_seconds']:.1f} s (target < {DEADLINE_SECONDS} s: "
            f"{verdict(deadlines['lapse_seconds'] < DEADLINE_SECONDS)}).",
            "",
            f"The {deadlines['drain']['recorded']:,} e-mails the run recorded are relayed to the `celery` "
            f"worker, one task per chunk, as each chunk commits (the e-mail step sends inline only those pending "
            f"past their grace period): {deadlines['drain']['sent_during_sweeps']:,.0f} had gone when the sweeps "
            f"ended, the last {deadlines['drain']['seconds_after_sweeps']:.0f} s later "
            f"({deadlines['drain']['seconds_from_start']:.0f} s after the run began; "
            f"{deadlines['drain']['left']} left unsent; Django's dummy backend, no SMTP server here).",
        ]
        if deadlines["lost_sample"]:
            lost = deadlines["lost_sample"]
            lines += [
                "",
                f"A lost task's e-mails, sent inline by the e-mail step (batches of 100): {lost['count']:,} "
                f"in {lost['seconds']:.1f} s, {lost['ms_each']:.1f} ms each.",
            ]
    if pdf is not None:
        lines += ["", "### PDF rendering (bench/pdf_bench.py)", "", "```", pdf, "```"]
    if mailin is not None:
        lines += ["", "### E-mail in (bench/mailin_bench.py)", "", "```", mailin, "```"]
    return "\n".join(lines) + "\n"


def write_doc(section: str) -> None:
    write_between_marks(section, START_MARK, END_MARK, heading="Benchmark results")


def write_between_marks(section: str, start: str, end: str, *, heading: str) -> None:
    """Puts the section between its marks in docs/performance.md, in place of what was there; the first
    time, at the end under its heading."""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    block = f"{start}\n{section}{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="seed_scale's scale when the database is new"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--overdue", type=int, default=100_000, help="invoices past due for enforce_deadlines"
    )
    parser.add_argument(
        "--email-sample",
        type=int,
        default=3000,
        help="e-mails of the deadline run put back as lost after the drain, then sent inline "
        "and timed (0: none)",
    )
    parser.add_argument("--only", nargs="*", help="only the scenarios whose name contains one of these")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--skip-deadlines", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--skip-mailin", action="store_true")
    parser.add_argument(
        "--no-doc", action="store_true", help="print the table without writing docs/performance.md"
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="N > 1: measure the scenarios through HAProxy on 1 node, then on N nodes, and report the gain "
        "(needs Debian's haproxy; the S3 server is moto's)",
    )
    parser.add_argument(
        "--node-workers", type=int, default=2, help="gunicorn sync workers per node (--nodes)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    VAR.mkdir(parents=True, exist_ok=True)
    info = machine()
    database_ready(args.scale)
    fx = fixtures()
    if args.nodes > 1:
        rows = nodes_phase(args, fx)
        info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        section = nodes_report(info, fx, rows, args)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (VAR / f"nodes-{stamp}.json").write_text(
            json.dumps({"machine": info, "rows": rows}, indent=2, default=str)
        )
        print("\n" + section)
        if not args.no_doc:
            write_nodes_doc(section)
            log(f"written to {DOC.relative_to(ROOT)}")
        return
    web, memory = ([], {}) if args.skip_web else web_phase(args, fx)
    deadlines = None if args.skip_deadlines else deadlines_phase(args)
    pdf = None if args.skip_pdf else pdf_phase()
    mailin = None if args.skip_mailin else mailin_phase()
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    section = report(info, fx, web, memory, deadlines, pdf, args, mailin)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (VAR / f"results-{stamp}.json").write_text(
        json.dumps(
            {
                "machine": info,
                "fixtures": {k: v for k, v in fx.items() if k != "ticket_ids"},
                "web": web,
                "memory": memory,
                "deadlines": deadlines,
                "pdf": pdf,
                "mailin": mailin,
            },
            indent=2,
            default=str,
        )
    )
    print("\n" + section)
    if not args.no_doc:
        write_doc(section)
        log(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
