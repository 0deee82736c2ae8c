"""Several web nodes (issue 17): two gunicorn nodes with local disks of their own (DJANGO_VAR_DIR, media
folders) behind HAProxy (round robin, started by the test with its own configuration on a free port), a
Celery worker with a disk of its own, sharing the test's PostgreSQL database, Redis and an S3 API server
(moto's server mode) started by the harness (tests/reliability/nodes.py).

The main journeys go through the balancer with consecutive steps on different nodes: a login on one node
serves on the other (portal sessions, mid-login second factors, API tokens); an attachment uploaded on one
is downloaded on the other; an invoice's PDF rendered by the worker is the same document on both; an
Idempotency-Key replayed on the other node returns the stored answer; rate limits count across nodes, in
Redis. Nothing is left on any process's own disk.
"""

import hashlib
import json
import re
import time
import uuid

import pyotp
import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection

from accounts.models import Role
from config.redis_client import redis_client
from documents.models import StoredDocument
from tests.celery_worker import redis_answers  # noqa: F401 - the skipif below reads it
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.reliability import nodes
from tests.workflow import QUOTE
from tickets.models import Attachment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("on_postgres"),
    pytest.mark.skipif(nodes.missing() is not None, reason=str(nodes.missing())),
    pytest.mark.skipif("not redis_answers()", reason="needs Redis as CELERY_BROKER_URL (bin/test-env or CI)"),
]

MFA_SECRET = pyotp.random_base32()
RATE_PREFIX = f"ratelimit:nodes:{uuid.uuid4().hex}:"
TICKETS_PER_HOUR = 3
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two nodes, one worker, on the test database (the test's rows are committed: transactional tests)."""
    db = django_settings.DATABASES["default"]
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )
    if db.get("PASSWORD"):
        database_url = database_url.replace("@", f":{db['PASSWORD']}@", 1)
    env = {
        "DJANGO_MFA_TEST_SECRET": MFA_SECRET,
        "DJANGO_DEMO_ENTITIES_MAY_ISSUE": "true",  # the suite bills with the seeded demo entities
        "DJANGO_RATE_LIMIT_KEY_PREFIX": RATE_PREFIX,
        "DJANGO_RATE_LIMITS": json.dumps({"ticket_create": {"user": [[TICKETS_PER_HOUR, 3600]]}}),
    }
    with nodes.Cluster(
        database_url=database_url,
        redis_url=django_settings.CELERY_BROKER_URL,
        workdir=tmp_path_factory.mktemp("nodes"),
        nodes=2,
        workers=1,
        env=env,
    ) as running:
        yield running


@pytest.fixture
def real_passwords(settings):
    # The nodes check passwords with the production hashers: the test's users are given such hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


class Visitor:
    """A browser or an API client talking to the balancer, saying which node each answer came from."""

    def __init__(self, cluster: nodes.Cluster):
        self.cluster = cluster
        self.http = requests.Session()
        self.token = ""

    def send(self, method: str, path: str, *, on: str, **kwargs) -> requests.Response:
        """The request, served by node `on` (asserted from HAProxy's X-Node header)."""
        self.cluster.next_on(on)
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if method != "GET" and "csrftoken" in self.http.cookies:
            headers.setdefault("X-CSRFToken", self.http.cookies["csrftoken"])
            headers.setdefault("Referer", self.cluster.url + "/")
        response = self.http.request(
            method, self.cluster.url + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        assert response.headers.get("X-Node") == on, (path, response.headers.get("X-Node"))
        return response

    def login(self, email: str, *, on: str) -> requests.Response:
        page = self.send("GET", "/login/", on=on)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.send(
            "POST",
            "/login/",
            on=on,
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.cluster.url + "/login/"},
        )

    def api_login(self, email: str, *, on: str, otp: bool = False) -> None:
        body = {
            "email": email,
            "password": PASSWORD,
            **({"otp": pyotp.TOTP(MFA_SECRET).now()} if otp else {}),
        }
        response = self.send("POST", "/api/v1/auth/token/", on=on, json=body)
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]


def other(name: str) -> str:
    return "node2" if name == "node1" else "node1"


def _users():
    customer = UserFactory(role=Role.CUSTOMER, customer=CustomerFactory(country="FR", language="fr"))
    agent = UserFactory(role=Role.AGENT)
    intruder = UserFactory(role=Role.CUSTOMER, customer=CustomerFactory(country="DE", language="de"))
    return customer, agent, intruder


def _no_local_files(cluster: nodes.Cluster) -> None:
    for process in [*cluster.nodes, *cluster.workers]:
        assert nodes.files_under(process.var_dir / "media") == [], process.name


def test_the_balancer_sends_each_request_to_the_next_node(cluster):
    assert [cluster.probe() for _ in range(4)] in (
        ["node1", "node2", "node1", "node2"],
        ["node2", "node1", "node2", "node1"],
    )


def test_a_session_and_an_attachment_move_freely_between_the_nodes(cluster, real_passwords):
    customer, agent, intruder = _users()
    browser = Visitor(cluster)

    # Logged in on node 1, the customer is known on node 2.
    assert browser.login(customer.email, on="node1").status_code == 302
    assert browser.send("GET", "/customer/", on="node2").status_code == 200

    # A ticket opened on node 2 (the portal form); a message with a file posted on node 1.
    opened = browser.send(
        "POST",
        "/customer/tickets/new/",
        on="node2",
        data={"subject": "Disk full", "description": "df says 100 %", "accept_diagnosis_fee": "on"},
    )
    assert opened.status_code == 302, opened.text[:500]
    ticket_id = int(re.search(r"/customer/tickets/(\d+)/", opened.headers["Location"]).group(1))
    posted = browser.send(
        "POST",
        f"/customer/tickets/{ticket_id}/messages/",
        on="node1",
        data={"body": "the screenshot"},
        files={"attachment": ("df.png", PNG, "image/png")},
    )
    assert posted.status_code == 302, posted.text[:500]
    attachment = Attachment.objects.get(ticket_id=ticket_id)

    # It is an object of the shared bucket, on no node's disk, and node 2 serves it.
    assert attachment.file.name in cluster.s3.keys("attachments/")
    _no_local_files(cluster)
    download = browser.send("GET", f"/customer/attachments/{attachment.pk}/", on="node2")
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["Content-Disposition"] == 'attachment; filename="df.png"'

    # Staff: the password on node 1, the second factor on node 2, the file on node 1.
    staff = Visitor(cluster)
    assert staff.login(agent.email, on="node1").headers["Location"].startswith("/login/verify/")
    verify = staff.send("GET", "/login/verify/", on="node2")
    assert verify.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', verify.text).group(1)
    verified = staff.send(
        "POST",
        "/login/verify/",
        on="node2",
        data={"code": pyotp.TOTP(MFA_SECRET).now(), "csrfmiddlewaretoken": csrf},
        headers={"Referer": cluster.url + "/login/verify/"},
    )
    assert verified.status_code == 302 and "/login/" not in verified.headers["Location"]
    on_staff_side = staff.send("GET", f"/staff/attachments/{attachment.pk}/", on="node1")
    assert on_staff_side.status_code == 200 and on_staff_side.content == PNG

    # Another account's user gets a 404 on either node.
    stranger = Visitor(cluster)
    stranger.login(intruder.email, on="node2")
    for node in ("node1", "node2"):
        assert stranger.send("GET", f"/customer/attachments/{attachment.pk}/", on=node).status_code == 404

    # Logged out on node 1: the session is gone on node 2 too.
    assert browser.send("POST", "/logout/", on="node1").status_code == 302
    assert browser.send("GET", "/customer/", on="node2").status_code == 302


def _logged_in(cluster):
    customer, agent, _ = _users()
    client, staff = Visitor(cluster), Visitor(cluster)
    client.api_login(customer.email, on="node1")
    staff.api_login(agent.email, on="node2", otp=True)
    return client, staff


def _concluded(client, staff, subject: str, description: str, *, on: str, **conclusion) -> tuple[int, dict]:
    """The customer opens an incident through the API on one node, the agent starts its diagnosis on the
    other and concludes it on the first: the ticket's id and the conclusion's answer."""
    other = {"node1": "node2", "node2": "node1"}[on]
    incident = {"kind": "incident", "subject": subject, "description": description}
    opened = client.send("POST", "/api/v1/tickets/", on=on, json={**incident, "accept_diagnosis_fee": True})
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]
    assert staff.send("POST", f"/api/v1/tickets/{ticket_id}/start-diagnosis/", on=other).status_code == 200
    concluded = staff.send("POST", f"/api/v1/tickets/{ticket_id}/conclude-diagnosis/", on=on, json=conclusion)
    assert concluded.status_code == 200, concluded.text
    return ticket_id, concluded.json()


def test_a_pdf_rendered_by_a_worker_with_its_own_disk_is_served_by_every_node(cluster, real_passwords):
    """Celery at scale: no task assumes a web node's disk. The worker (its own DJANGO_VAR_DIR) renders the
    invoice's PDF from the `pdf` queue into the object store; both nodes serve the same bytes."""
    client, staff = _logged_in(cluster)

    # A fixed incident: the fee is invoiced, and its PDF is queued for the worker after the commit.
    ticket_id, _ = _concluded(
        client, staff, "Down", "No ping", on="node2", findings="Full disk", outcome="fixed"
    )
    invoices = client.send("GET", "/api/v1/invoices/?status=open", on="node1").json()["results"]
    invoice_id = next(i["id"] for i in invoices if i["ticket"] == ticket_id)
    stored = StoredDocument.objects.filter(kind=StoredDocument.Kind.INVOICE, object_id=invoice_id)
    deadline = time.monotonic() + 90
    while not stored.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert stored.exists(), cluster.workers[0].process.log.read_text()[-3000:]
    assert "invoice_pdf_render_task" in cluster.workers[0].process.log.read_text()
    document = stored.get()
    assert document.file.name in cluster.s3.keys("documents/")
    pdfs = [client.send("GET", f"/api/v1/invoices/{invoice_id}/pdf/", on=node) for node in ("node1", "node2")]
    for pdf in pdfs:
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert hashlib.sha256(pdf.content).hexdigest() == document.sha256
        assert pdf.headers["ETag"] == f'"{document.sha256}"'
    _no_local_files(cluster)


def test_idempotency_keys_and_tokens_hold_across_the_nodes(cluster, real_passwords):
    client, staff = _logged_in(cluster)

    # A quote accepted with an Idempotency-Key on one node; the replay on the other returns that answer.
    _, concluded = _concluded(
        client, staff, "RAID", "Degraded", on="node1", findings="Two disks", outcome="quoted", quote=QUOTE
    )
    quote = concluded["quote"]
    key = {"Idempotency-Key": f"accept-{uuid.uuid4().hex}"}
    first = client.send("POST", f"/api/v1/quotes/{quote['id']}/accept/", on="node2", headers=dict(key))
    replay = client.send("POST", f"/api/v1/quotes/{quote['id']}/accept/", on="node1", headers=dict(key))
    assert first.status_code == replay.status_code == 200, (first.text, replay.text)
    assert replay.json() == first.json() and first.json()["status"] == "accepted"
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    # Without the key the same action is a 409 on either node: the first one did happen, once.
    assert client.send("POST", f"/api/v1/quotes/{quote['id']}/accept/", on="node2").status_code == 409

    # The customer's token, issued on node 1, is revoked on node 2 and refused on node 1.
    assert client.send("POST", "/api/v1/auth/logout/", on="node2").status_code in (200, 204)
    assert client.send("GET", "/api/v1/me/", on="node1").status_code == 401


def test_rate_limits_are_counted_across_the_nodes_in_redis(cluster, real_passwords):
    customer = UserFactory(role=Role.CUSTOMER, customer=CustomerFactory(country="FR"))
    client = Visitor(cluster)
    client.api_login(customer.email, on="node1")
    if 3600 - time.time() % 3600 < 20:  # not across the end of the hourly window
        time.sleep(3600 - time.time() % 3600 + 1)

    answers = []
    for n in range(TICKETS_PER_HOUR + 2):
        node = "node1" if n % 2 == 0 else "node2"
        answer = client.send(
            "POST",
            "/api/v1/tickets/",
            on=node,
            json={"kind": "technical", "subject": f"Question {n}", "description": "How do I...?"},
        )
        answers.append((node, answer.status_code))
    # Counted per node, each would have allowed three: five would pass.
    assert [status for _node, status in answers] == [201] * TICKETS_PER_HOUR + [429, 429]
    assert {node for node, status in answers if status == 429} == {"node1", "node2"}
    refused = client.send(
        "POST", "/api/v1/tickets/", on="node1", json={"kind": "technical", "subject": "x", "description": "y"}
    )
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0

    # The counter lives in Redis, under the nodes' prefix: the user's key of this hourly window, the same
    # for both nodes, counted six times (three tickets, three refusals).
    redis = redis_client(django_settings.CELERY_BROKER_URL)
    user_key = hashlib.blake2b(str(customer.pk).encode(), digest_size=12).hexdigest()  # config.ratelimit
    key = f"{RATE_PREFIX}ticket_create:user:{user_key}:3600:{int(time.time() // 3600)}"
    assert int(redis.get(key)) == TICKETS_PER_HOUR + 3
    assert 0 < redis.ttl(key) <= 3600
