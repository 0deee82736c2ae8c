"""SEC-12, SEC-14: every API endpoint × every role × an object of another account.

The endpoints come from the URL resolver, so a new endpoint is probed as soon as it exists, and the
completeness test fails until its row of the contract (who may call it) is written below. Each probe
must get exactly the contract's answer: 401 for no credentials, 403 `permission_denied` for a role that
may not call the endpoint, 404 for a customer reaching another account's object (never 403: that would
say the object exists). Every denial has the error shape only, leaks none of the victim's data, is
byte-identical to the answer for an object that does not exist, and leaves every table unchanged.
"""

import json
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tokens import token_issue
from billing.models import CreditNote, Invoice, Refund
from billing.services import invoice_pay
from tests.counts import report
from tests.factories import CustomerFactory, ServiceFactory, UserFactory
from tests.security.snapshot import database_fingerprint
from tests.security.urls import api_endpoints
from tests.workflow import API, QUOTE, client_for, conclude, diagnosed, open_incident, start

# Limits raised: every probe must get the answer of its role, not a 429 for the probes before it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("raised_rate_limits")]

ROLES = ("anonymous", "customer", "other_customer", "agent", "finance", "admin")
CUSTOMER, AGENT, FINANCE, ADMIN = "customer", "agent", "finance", "admin"
SUPPORT = {AGENT, ADMIN}
MONEY = {FINANCE, ADMIN}
STAFF = {AGENT, FINANCE, ADMIN}
EVERYONE = {CUSTOMER, *STAFF}

# Who may call each endpoint (docs/api/v1.md; SEC-14: finance never reads ticket content).
# CUSTOMER means "a customer, on its own account's objects": on another account's, a 404.
CONTRACT = {
    "GET /api/v1/me/": EVERYONE,
    # Signed-in callers only; a customer's copy lists only what a customer may call (test_api_docs.py).
    "GET /api/v1/schema/": EVERYONE,
    "GET /api/v1/auth/tokens/": EVERYONE,
    "DELETE /api/v1/auth/tokens/<int:pk>/": EVERYONE,
    "POST /api/v1/auth/logout/": EVERYONE,
    "GET /api/v1/customers/": STAFF,
    "POST /api/v1/customers/": {ADMIN},
    "GET /api/v1/customers/<int:pk>/": EVERYONE,
    "POST /api/v1/customers/<int:pk>/reinstate/": MONEY,
    "GET /api/v1/customers/<int:pk>/bans/": {CUSTOMER, *MONEY},
    "GET /api/v1/users/": {ADMIN},
    "POST /api/v1/users/": {ADMIN},
    "GET /api/v1/services/": EVERYONE,
    "POST /api/v1/services/": {ADMIN},
    "GET /api/v1/services/<int:pk>/": EVERYONE,
    "GET /api/v1/pricing/diagnosis-fee/": {CUSTOMER},
    "PUT /api/v1/pricing/diagnosis-fees/<str:country>/": {ADMIN},
    "POST /api/v1/pricing/free-periods/": {ADMIN},
    "GET /api/v1/invoices/": {CUSTOMER, *MONEY},
    "GET /api/v1/invoices/export.csv": {CUSTOMER, *MONEY},
    "GET /api/v1/invoices/<int:pk>/": {CUSTOMER, *MONEY},
    "GET /api/v1/invoices/<int:pk>/pdf/": {CUSTOMER, *MONEY},
    "POST /api/v1/invoices/<int:pk>/payments/": MONEY,
    "POST /api/v1/invoices/<int:pk>/refuse/": {CUSTOMER},
    "GET /api/v1/credit-notes/<int:pk>/pdf/": {CUSTOMER, *MONEY},
    "GET /api/v1/invoices/<int:pk>/xml/": {CUSTOMER, *MONEY},
    "GET /api/v1/credit-notes/<int:pk>/xml/": {CUSTOMER, *MONEY},
    "POST /api/v1/payments/<int:pk>/reverse/": MONEY,
    "GET /api/v1/refunds/": MONEY,
    "POST /api/v1/refunds/<int:pk>/mark-refunded/": MONEY,
    "GET /api/v1/reports/receivables/": MONEY,
    "GET /api/v1/reports/e-reporting.csv": MONEY,
    "GET /api/v1/reports/sla/": STAFF,
    "GET /api/v1/tickets/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/tickets/": {CUSTOMER},
    "GET /api/v1/tickets/queue/": SUPPORT,
    "GET /api/v1/staff/counters/": SUPPORT,
    "GET /api/v1/tickets/inbox/": SUPPORT,
    "GET /api/v1/tickets/<int:pk>/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/tickets/<int:pk>/cancel/": {CUSTOMER},
    "POST /api/v1/tickets/<int:pk>/claim/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/start-diagnosis/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/conclude-diagnosis/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/complete-work/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/close/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/notes/": SUPPORT,
    "GET /api/v1/tickets/<int:pk>/messages/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/tickets/<int:pk>/messages/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/tickets/<int:pk>/history/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/tickets/<int:pk>/report/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/quotes/<int:pk>/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/quotes/<int:pk>/pdf/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/quotes/<int:pk>/accept/": {CUSTOMER},
    "POST /api/v1/quotes/<int:pk>/decline/": {CUSTOMER},
    "GET /api/v1/tickets/<int:pk>/access-requests/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/tickets/<int:pk>/access-requests/": SUPPORT,
    "GET /api/v1/access-requests/<int:pk>/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/access-requests/<int:pk>/grant/": {CUSTOMER},
    "POST /api/v1/access-requests/<int:pk>/deny/": {CUSTOMER},
    "POST /api/v1/access-requests/<int:pk>/revoke/": {CUSTOMER},
    "GET /api/v1/tickets/<int:pk>/interventions/": {CUSTOMER, *SUPPORT},
    "POST /api/v1/tickets/<int:pk>/interventions/": SUPPORT,
    "GET /api/v1/tickets/<int:pk>/audit-log/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/tickets/<int:pk>/audit-log/csv/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/audit-log/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/audit-log/csv/": {CUSTOMER, *SUPPORT},
    "GET /api/v1/contact-obligations/": SUPPORT,
    "GET /api/v1/incidents/": SUPPORT,
    "POST /api/v1/incidents/": SUPPORT,
    "GET /api/v1/incidents/<int:pk>/": SUPPORT,
    "PUT /api/v1/incidents/<int:pk>/": SUPPORT,
    "POST /api/v1/incidents/<int:pk>/publish/": SUPPORT,
    "POST /api/v1/incidents/<int:pk>/resolve/": SUPPORT,
    "POST /api/v1/incidents/<int:pk>/link-tickets/": SUPPORT,
    "POST /api/v1/incidents/<int:pk>/conclude-linked/": SUPPORT,
    "POST /api/v1/contact-obligations/<int:pk>/contacts/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/sla-claim/grant/": SUPPORT,
    "POST /api/v1/tickets/<int:pk>/sla-claim/refuse/": SUPPORT,
    "GET /api/v1/sla-credits/": EVERYONE,
    "GET /api/v1/sla-credits/<int:pk>/": EVERYONE,
    "GET /api/v1/reports/receivables/credit-notes.csv": MONEY,
}

# A body that would succeed if the caller were allowed: a denial must come from the access check,
# not from a validation error.
TODAY = timezone.localdate().isoformat()
BODIES = {
    "POST /api/v1/customers/": {"name": "Intruder SARL", "country": "FR"},
    "POST /api/v1/customers/<int:pk>/reinstate/": {"reason": "probe"},
    "POST /api/v1/users/": {
        "email": "intruder@example.com",
        "password": "a-long-probe-password-9",
        "role": "admin",
    },
    "POST /api/v1/services/": {"customer": 1, "name": "probe", "kind": "vps"},
    "PUT /api/v1/pricing/diagnosis-fees/<str:country>/": {"net": "0.00"},
    "POST /api/v1/pricing/free-periods/": {"starts_on": TODAY, "ends_on": TODAY, "countries": []},
    "POST /api/v1/invoices/<int:pk>/payments/": {
        "amount": "1.00",
        "received_on": TODAY,
        "reference": "probe",
    },
    "POST /api/v1/invoices/<int:pk>/refuse/": {"reason": "probe"},
    "POST /api/v1/refunds/<int:pk>/mark-refunded/": {"reference": "probe"},
    "POST /api/v1/payments/<int:pk>/reverse/": {"reason": "probe"},
    "POST /api/v1/tickets/": {"kind": "technical", "subject": "probe", "description": "probe"},
    "POST /api/v1/tickets/<int:pk>/conclude-diagnosis/": {"findings": "probe", "outcome": "fixed"},
    "POST /api/v1/tickets/<int:pk>/complete-work/": {"report": "probe"},
    "POST /api/v1/tickets/<int:pk>/close/": {"answer": "probe"},
    "POST /api/v1/tickets/<int:pk>/notes/": {"body": "probe"},
    "POST /api/v1/tickets/<int:pk>/messages/": {"body": "probe"},
    "POST /api/v1/tickets/<int:pk>/access-requests/": {
        "scope": "read_data",
        "reason": "probe",
        "duration_hours": 1,
    },
    "POST /api/v1/tickets/<int:pk>/interventions/": {"action": "read_data", "description": "probe"},
    "POST /api/v1/contact-obligations/<int:pk>/contacts/": {"channel": "phone", "note": "probe"},
    "POST /api/v1/tickets/<int:pk>/sla-claim/grant/": {"hours": "1"},
    "POST /api/v1/tickets/<int:pk>/sla-claim/refuse/": {"reason": "probe"},
}

SECRET = "victim-secret-7f3a"  # in the victim's name, subjects, messages: must never appear in a denial
MISSING_ID = 987654321


class Victim:
    """Another account with one object of every kind, each in the state its actions need."""

    def __init__(self, agent):
        account = CustomerFactory(name=f"Victim {SECRET} SARL", country="FR")
        user = UserFactory(role=Role.CUSTOMER, customer=account, email="victim@example.fr")
        self.user = user
        self.customer = account.pk
        self.service = ServiceFactory(customer=account, name=f"srv-{SECRET}").pk
        sla_service = ServiceFactory(
            customer=account, name=f"sla-{SECRET}", has_sla=True, monthly_price=Decimal("100.00")
        )
        claim = {"kind": "sla_claim", "service": sla_service.pk, "subject": SECRET, "description": SECRET}
        self.sla_claim = client_for(user).post(f"{API}/tickets/", claim, format="json").json()["id"]
        granted = client_for(user).post(f"{API}/tickets/", claim, format="json").json()["id"]
        credit = client_for(agent).post(
            f"{API}/tickets/{granted}/sla-claim/grant/", {"hours": "2"}, format="json"
        )
        assert credit.status_code == 200, credit.content
        self.sla_credit = credit.json()["id"]
        subject = {"subject": f"Down {SECRET}", "description": f"details {SECRET}"}
        self.open_ticket = open_incident(user, **subject)["id"]
        question = client_for(user).post(f"{API}/tickets/", {"kind": "technical", **subject}, format="json")
        self.question = question.json()["id"]
        self.diagnosing = open_incident(user, **subject)["id"]
        start(agent, self.diagnosing)
        quoted = diagnosed(user, agent, "quoted", **subject)
        self.quote = quoted["quote"]["id"]
        self.quoted_ticket = quoted["id"]
        in_work = open_incident(user, **subject)
        start(agent, in_work["id"])
        quote = conclude(agent, in_work["id"], "quoted", QUOTE)["quote"]["id"]
        accepted = client_for(user).post(f"{API}/quotes/{quote}/accept/")
        assert accepted.status_code == 200, accepted.content
        self.in_work = in_work["id"]
        self.invoice = diagnosed(user, agent, "fixed", **subject)["invoices"][0]
        self.payment = invoice_pay(
            invoice=Invoice(pk=self.invoice),
            amount=Decimal("1.00"),
            received_on=timezone.localdate(),
            by=None,
        ).pk
        refused = diagnosed(user, agent, "fixed", **subject)["invoices"][0]
        invoice_pay(  # partly paid: its refusal owes a refund back
            invoice=Invoice(pk=refused), amount=Decimal("1.00"), received_on=timezone.localdate(), by=None
        )
        refusal = client_for(user).post(
            f"{API}/invoices/{refused}/refuse/", {"reason": SECRET}, format="json"
        )
        assert refusal.status_code == 200, refusal.content
        self.credit_note = CreditNote.objects.get(invoice_id=refused).pk
        self.refund = Refund.objects.get(invoice_id=refused).pk
        request = client_for(agent).post(
            f"{API}/tickets/{self.diagnosing}/access-requests/",
            BODIES["POST /api/v1/tickets/<int:pk>/access-requests/"],
            format="json",
        )
        assert request.status_code == 201, request.content
        self.access_request = request.json()["id"]
        client_for(user).post(f"{API}/tickets/{self.diagnosing}/messages/", {"body": SECRET}, format="json")
        self.api_token = token_issue(user)[1].pk

    def object_for(self, route: str):
        """The victim's object a route acts on, in the state that would let the action succeed."""
        if "<str:country>" in route:
            return "FR"
        by_action = {
            "/cancel/": self.open_ticket,
            "/start-diagnosis/": self.open_ticket,
            "/claim/": self.open_ticket,
            "/close/": self.question,
            "/conclude-diagnosis/": self.diagnosing,
            "/complete-work/": self.in_work,
            "/access-requests/": self.diagnosing,
            "/interventions/": self.diagnosing,
            "/sla-claim/grant/": self.sla_claim,
            "/sla-claim/refuse/": self.sla_claim,
        }
        if route.startswith("api/v1/auth/tokens/"):
            return self.api_token
        for suffix, pk in by_action.items():
            if route.startswith("api/v1/tickets/") and route.endswith(suffix):
                return pk
        by_collection = {
            "customers": self.customer,
            "services": self.service,
            "invoices": self.invoice,
            "credit-notes": self.credit_note,
            "refunds": self.refund,
            "payments": self.payment,
            "tickets": self.quoted_ticket,
            "quotes": self.quote,
            "access-requests": self.access_request,
            "sla-credits": self.sla_credit,
        }
        return by_collection.get(route.split("/")[2], MISSING_ID)


def expected(endpoint, role: str) -> int | None:
    """The contract's answer for this role on the victim's object; None where the role may act."""
    allowed = CONTRACT[str(endpoint)]
    if role == "anonymous":
        return 401
    kind = CUSTOMER if role in ("customer", "other_customer") else role
    if kind not in allowed:
        return 403
    if kind == CUSTOMER and endpoint.has_object and "<str:" not in endpoint.route:
        return 404
    return None


def test_every_api_endpoint_has_a_row_in_the_contract():
    missing = sorted(str(e) for e in api_endpoints() if str(e) not in CONTRACT)
    assert not missing, f"add who may call these to CONTRACT: {missing}"


def test_the_contract_names_no_endpoint_that_is_gone():
    assert set(CONTRACT) <= {str(e) for e in api_endpoints()}


@pytest.fixture
def people(customer, other_customer, agent, finance, admin_user):
    return {
        "anonymous": None,
        "customer": customer,
        "other_customer": other_customer,
        "agent": agent,
        "finance": finance,
        "admin": admin_user,
    }


def call(user, method: str, path: str, body):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client.generic(
        method, path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def test_every_role_gets_the_contracts_answer_and_nothing_leaks_or_changes(people, agent):
    victim = Victim(agent)
    probes, outcomes, failures = 0, Counter(), []
    for endpoint in api_endpoints():
        if str(endpoint) not in CONTRACT:
            continue  # the completeness test names it
        body = BODIES.get(str(endpoint), {}) if endpoint.method != "GET" else None
        target = victim.object_for(endpoint.route)
        for role in ROLES:
            want = expected(endpoint, role)
            if want is None:
                continue  # this role may act here: its own tests cover what it gets
            answers = {}
            for label, value in (("victim's", target), ("missing", MISSING_ID)):
                if label == "missing" and not endpoint.has_object:
                    continue
                before = database_fingerprint()
                response = call(people[role], endpoint.method, endpoint.path(value), body)
                probes += 1
                outcomes[response.status_code] += 1
                where = f"{role} {endpoint.method} {endpoint.path(value)} ({label} object)"
                answers[label] = (response.status_code, response.content)
                if response.status_code != want:
                    failures.append(
                        f"{where}: {response.status_code}, contract says {want}: {response.content[:200]}"
                    )
                    continue
                data = response.json()
                if set(data) - {"detail", "code"} or (
                    want == 403 and data.get("code") != "permission_denied"
                ):
                    failures.append(f"{where}: not the contract's error body: {data}")
                if SECRET in body_of(response):
                    failures.append(f"{where}: leaks the victim's data")
                if database_fingerprint() != before:
                    failures.append(f"{where}: changed the database")
            if len(answers) == 2 and answers["victim's"] != answers["missing"]:
                failures.append(
                    f"{role} {endpoint}: another account's object and a missing one answer differently"
                )
    report("access matrix: probes", probes)
    for status, count in outcomes.items():
        report(f"access matrix: {status} answers", count)
    assert not failures, "\n".join(failures)
    assert probes >= 300


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def test_customers_lists_never_show_another_accounts_rows(people, agent):
    victim = Victim(agent)
    lists = [
        e
        for e in api_endpoints()
        if e.method == "GET" and not e.has_object and CUSTOMER in CONTRACT.get(str(e), set())
    ]
    assert len(lists) >= 6
    for role in ("customer", "other_customer"):
        for endpoint in lists:
            for query in ("", f"?customer={victim.customer}", f"?ticket={victim.quoted_ticket}"):
                response = call(people[role], "GET", endpoint.path("") + query, None)
                assert response.status_code in (200, 400), (role, str(endpoint), query, response.status_code)
                assert SECRET not in body_of(response), (role, str(endpoint), query)


def test_staff_reach_the_victims_objects_so_the_404s_above_are_about_visibility(people, agent):
    victim = Victim(agent)
    reads = {
        "GET /api/v1/tickets/<int:pk>/": ("agent", victim.quoted_ticket),
        "GET /api/v1/quotes/<int:pk>/": ("agent", victim.quote),
        "GET /api/v1/invoices/<int:pk>/": ("finance", victim.invoice),
        "GET /api/v1/customers/<int:pk>/": ("finance", victim.customer),
        "GET /api/v1/services/<int:pk>/": ("admin", victim.service),
        "GET /api/v1/access-requests/<int:pk>/": ("agent", victim.access_request),
    }
    for route, (role, pk) in reads.items():
        path = "/" + route.split(" /", 1)[1].replace("<int:pk>", str(pk))
        assert call(people[role], "GET", path, None).status_code == 200, route
