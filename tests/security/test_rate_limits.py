"""SEC-24: a script flooding ticket creation, messages, money actions or password resets is stopped.

Each test plays the attacker: one user or one client IP sending far more than a person would. Over the
limit the API answers 429 `rate_limited` with Retry-After and does nothing; the portals answer a 429
page in the portal's frame (htmx: a notice it swaps in). The counters are in the test's Redis (or in
process without one); tests/conftest.py gives every test keys of its own.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from billing.models import Invoice, Payment
from billing.services import invoice_pay
from config import ratelimit
from quotes.models import Quote
from tests.billing.conftest import issue_invoice
from tests.factories import UserFactory
from tests.portals import browser, quoted
from tests.security.test_settings import settings_in
from tests.workflow import API, client_for, diagnosed, open_incident, start
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

INCIDENT = {"kind": "technical", "subject": "Mail bounces", "description": "Since this morning"}
HIGH = [(100_000, 60)]


@pytest.fixture(autouse=True)
def window_just_begun():
    """Every test starts one second into an hour, so that its minute's window does not end mid-test (the
    windows are fixed on the clock); the clock runs on, and a test may move it further."""
    now = datetime.now(UTC)
    with time_machine.travel(now.replace(minute=0, second=1, microsecond=0), tick=True):
        yield


def limit(settings, action, **scopes):
    """Set `action`'s limits to `scopes` (scope → [(count, seconds)]), every other scope very high."""
    current = {scope: HIGH for scope in django_settings.RATE_LIMITS[action]}
    settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, action: {**current, **scopes}}


def open_ticket(client, ip="203.0.113.10"):
    return client.post(f"{API}/tickets/", INCIDENT, format="json", REMOTE_ADDR=ip)


@pytest.fixture(params=["redis", "memory"])
def store(request, settings):
    """Both stores: the Redis of the suite (skipped without one) and the in-process fallback."""
    if request.param == "memory":
        settings.REDIS_URL = ""
    elif not django_settings.REDIS_URL:
        pytest.skip("no Redis for the suite (CELERY_BROKER_URL is not redis://)")
    return request.param


def test_fifteen_tickets_in_a_second_stop_at_the_limit_with_retry_after(customer, settings, store):
    limit(settings, "ticket_create", user=[(10, 60)])
    client = client_for(customer)
    answers = [open_ticket(client) for _ in range(15)]
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 5
    refused = answers[-1]
    assert refused.json() == {"code": "rate_limited", "detail": refused.json()["detail"]}
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Ticket.objects.filter(customer=customer.customer).count() == 10


def test_the_default_limit_lets_thirty_tickets_a_minute_through_and_stops_the_next(customer):
    client = client_for(customer)
    assert [open_ticket(client).status_code for _ in range(30)] == [201] * 30
    refused = open_ticket(client)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Ticket.objects.filter(customer=customer.customer).count() == 30


def test_the_ip_limit_holds_across_accounts(customer, other_customer, settings):
    limit(settings, "ticket_create", ip=[(6, 60)])
    third = UserFactory(email="third@example.fr", role=Role.CUSTOMER, customer=customer.customer)
    codes = [open_ticket(client_for(user)).status_code for user in (customer, other_customer, third) * 3]
    assert codes == [201] * 6 + [429] * 3
    # Another client IP is not held back by the first one's flood.
    assert open_ticket(client_for(customer), ip="198.51.100.20").status_code == 201


def test_the_ip_is_the_trusted_proxys_not_one_the_client_writes(customer, settings):
    limit(settings, "ticket_create", ip=[(3, 60)])
    client = client_for(customer)
    codes = [
        client.post(
            f"{API}/tickets/",
            INCIDENT,
            format="json",
            REMOTE_ADDR="203.0.113.30",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes == [201] * 3 + [429] * 2


def test_an_ipv6_host_cannot_escape_the_ip_limit_by_changing_its_address_in_its_64(
    customer, other_customer, settings
):
    limit(settings, "ticket_create", ip=[(2, 60)])
    ips = ["2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:aaaa::3"]
    codes = [
        open_ticket(client_for(user), ip=ip).status_code
        for user, ip in zip((customer, other_customer, customer), ips, strict=True)
    ]
    assert codes == [201, 201, 429]
    assert open_ticket(client_for(customer), ip="2001:db8:1:3::1").status_code == 201  # another /64


def test_redis_keeps_no_address_in_clear(customer, settings):
    if not django_settings.REDIS_URL:
        pytest.skip("no Redis for the suite")
    import redis

    browser(None).post(reverse("password_reset"), {"email": customer.email}, REMOTE_ADDR="203.0.113.77")
    keys = [
        k.decode()
        for k in redis.Redis.from_url(django_settings.REDIS_URL).keys(f"{settings.RATE_LIMIT_KEY_PREFIX}*")
    ]
    assert len(keys) == 2  # the address's counter and the IP's
    assert not any(customer.email in k or "203.0.113.77" in k for k in keys)


def test_password_reset_flood_sends_five_mails_and_answers_as_for_an_unknown_address(
    customer, celery_eager, django_capture_on_commit_callbacks
):
    def reset(email, ip):
        with django_capture_on_commit_callbacks(execute=True):
            return browser(None).post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)

    known = [reset(customer.email.upper() if i % 2 else customer.email, f"203.0.113.{i}") for i in range(10)]
    unknown = [reset("nobody@example.com", f"198.51.100.{i}") for i in range(10)]
    assert len(mail.outbox) == 5
    assert {(r.status_code, r["Location"]) for r in known + unknown} == {
        (302, reverse("password_reset_done"))
    }


def test_password_reset_from_one_ip_is_refused_after_twenty_whatever_the_address(customer):
    addresses = [customer.email] + [f"probe{i}@example.com" for i in range(21)]
    answers = [
        browser(None).post(reverse("password_reset"), {"email": a}, REMOTE_ADDR="203.0.113.40")
        for a in addresses
    ]
    assert [a.status_code for a in answers] == [302] * 20 + [429] * 2
    assert int(answers[-1]["Retry-After"]) >= 1
    assert all("Too many requests" in a.content.decode() for a in answers[-2:])  # the known address's too


def test_message_flood_on_the_api_stops_at_the_limit(customer, settings):
    limit(settings, "message_post", user=[(5, 60)])
    client = client_for(customer)
    ticket = open_ticket(client).json()
    url = f"{API}/tickets/{ticket['id']}/messages/"
    codes = [client.post(url, {"body": f"ping {i}"}, format="json").status_code for i in range(8)]
    assert codes == [201] * 5 + [429] * 3
    assert Message.objects.filter(ticket_id=ticket["id"]).count() == 5


def test_message_flood_in_the_portal_through_htmx_shows_a_notice(customer, settings):
    limit(settings, "message_post", user=[(2, 60)])
    ticket = open_ticket(client_for(customer)).json()
    client = browser(customer)
    url = reverse("customer:tickets:message", args=[ticket["id"]])
    answers = [client.post(url, {"body": f"ping {i}"}, HTTP_HX_REQUEST="true") for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    # templates/base.html tells htmx to swap a 429; these headers put the notice on top of the page.
    assert refused["HX-Retarget"] == "#main" and refused["HX-Reswap"] == "afterbegin"
    assert int(refused["Retry-After"]) >= 1
    assert 'role="alert"' in refused.content.decode()
    assert Message.objects.filter(ticket_id=ticket["id"]).count() == 2


def test_payment_flood_stops_at_the_limit_and_records_nothing_more(customer, agent, finance, settings):
    ticket = diagnosed(customer, agent, "fixed")
    invoice = Invoice.objects.get(ticket_id=ticket["id"])
    limit(settings, "money", user=[(4, 60)])
    client = client_for(finance)
    url = f"{API}/invoices/{invoice.pk}/payments/"
    codes = [client.post(url, {"amount": "0.01"}, format="json").status_code for _ in range(7)]
    assert codes == [201] * 4 + [429] * 3
    assert Payment.objects.filter(invoice=invoice).count() == 4


def test_payment_reversal_flood_stops_at_the_limit(finance, customer_account, settings):
    invoice = issue_invoice(customer_account)
    payments = [
        invoice_pay(invoice=invoice, amount=Decimal("1.00"), received_on=timezone.localdate(), by=finance)
        for _ in range(3)
    ]
    limit(settings, "money", user=[(2, 60)])
    client = client_for(finance)
    codes = [
        client.post(f"{API}/payments/{p.pk}/reverse/", {"reason": "typo"}, format="json").status_code
        for p in payments
    ]
    assert codes == [200, 200, 429]
    assert Payment.objects.filter(invoice=invoice, reversed_at__isnull=True).count() == 1


def test_quote_decisions_flood_is_refused_before_reaching_the_quote(customer, agent, settings):
    limit(settings, "money", user=[(3, 60)])
    quotes = [quoted(customer, agent).quote for _ in range(4)]
    client = client_for(customer)
    codes = [client.post(f"{API}/quotes/{q.pk}/decline/").status_code for q in quotes]
    assert codes == [200] * 3 + [429]
    assert Quote.objects.get(pk=quotes[-1].pk).status == Quote.State.SENT


def test_the_portal_answers_a_styled_translated_429_page(customer, settings):
    limit(settings, "ticket_create", user=[(1, 60)])
    client = browser(customer)
    form = {**INCIDENT, "kind": "technical"}
    client.post(reverse("customer:tickets:ask"), form)
    refused = client.post(reverse("customer:tickets:ask"), form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    page = refused.content.decode()
    assert "portal-customer" in page  # the customer portal's frame, with its menu
    assert "Trop de requêtes" in page  # the account's language, French
    assert Ticket.objects.filter(customer=customer.customer).count() == 1


def test_the_finance_portal_answers_its_own_429_page_to_a_payment_flood(customer, agent, finance, settings):
    invoice = Invoice.objects.get(ticket_id=diagnosed(customer, agent, "fixed")["id"])
    limit(settings, "money", user=[(2, 60)])
    client = browser(finance)
    url = reverse("finance:billing:pay", args=[invoice.pk])
    payment = {"amount": "0.01", "received_on": invoice.issued_on.isoformat()}
    answers = [client.post(url, payment) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "portal-finance" in answers[-1].content.decode() and int(answers[-1]["Retry-After"]) >= 1
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_the_429_page_speaks_german_to_a_german_account(other_customer, settings):
    limit(settings, "ticket_create", user=[(1, 60)])
    client = browser(other_customer)
    for _ in range(2):
        refused = client.post(reverse("customer:tickets:ask"), INCIDENT)
    assert refused.status_code == 429 and "Zu viele Anfragen" in refused.content.decode()


def test_a_refused_request_is_not_the_stored_answer_of_its_idempotency_key(customer, settings):
    limit(settings, "ticket_create", user=[(1, 60)])
    client = client_for(customer)
    start = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert open_ticket(client).status_code == 201
        key = {"HTTP_IDEMPOTENCY_KEY": "retry-me-1"}
        assert client.post(f"{API}/tickets/", INCIDENT, format="json", **key).status_code == 429
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        # The retry after Retry-After opens the ticket: the 429 was not kept as the key's answer.
        assert client.post(f"{API}/tickets/", INCIDENT, format="json", **key).status_code == 201
        # And a replay of that key is not counted: it answers the stored 201 although the limit is reached.
        replay = client.post(f"{API}/tickets/", INCIDENT, format="json", **key)
        assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"


def test_a_parallel_flood_gets_exactly_the_limit_through(settings, store):
    limit(settings, "ticket_create", user=[(10, 60)])
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(
            pool.map(lambda _: ratelimit.rate_limit_hit("ticket_create", {"user": 42}), range(40))
        )
    assert sum(v is None for v in verdicts) == 10  # one atomic INCR each: no two requests read the same count


def test_redis_down_lets_requests_through_with_a_warning(customer, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port; the suite's Redis keeps running
    limit(settings, "ticket_create", user=[(2, 60)])
    client = client_for(customer)
    assert [open_ticket(client).status_code for _ in range(4)] == [201] * 4
    assert "rate limits not enforced" in caplog.text


def test_the_multiplier_raises_every_limit(customer, settings):
    limit(settings, "ticket_create", user=[(2, 60)])
    settings.RATE_LIMIT_MULTIPLIER = 2.5
    client = client_for(customer)
    assert [open_ticket(client).status_code for _ in range(6)] == [201] * 5 + [429]


def test_the_window_ends_and_the_user_may_go_on(customer, settings):
    limit(settings, "ticket_create", user=[(2, 60)])
    client = client_for(customer)
    start = datetime(2026, 12, 1, 10, 0, 15, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert [open_ticket(client).status_code for _ in range(3)] == [201, 201, 429]
        assert open_ticket(client)["Retry-After"] == "45"  # the minute's window ends at 10:01:00
    with time_machine.travel(start + timedelta(seconds=46), tick=False):
        assert open_ticket(client).status_code == 201


def test_the_schema_documents_the_429_on_limited_operations_only(admin_user):
    schema = client_for(admin_user).get(f"{API}/schema/?format=json").json()
    create = schema["paths"]["/api/v1/tickets/"]["post"]["responses"]["429"]
    assert "Retry-After" in create["headers"]
    assert create["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/RateLimitError"
    assert "429" in schema["paths"]["/api/v1/invoices/{id}/payments/"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/v1/payments/{id}/reverse/"]["post"]["responses"]
    assert "429" not in schema["paths"]["/api/v1/tickets/"]["get"]["responses"]


def test_limits_come_from_the_environment():
    configured = settings_in(
        {
            "DJANGO_RATE_LIMITS": json.dumps({"ticket_create": {"user": [[7, 60]]}}),
            "DJANGO_RATE_LIMIT_MULTIPLIER": "3",
        },
        "RATE_LIMITS",
        "RATE_LIMIT_MULTIPLIER",
    )
    limits = configured["RATE_LIMITS"]["ticket_create"]
    assert limits["user"] == [[7, 60]] and limits["ip"]  # the scope named is replaced, the other kept
    assert configured["RATE_LIMIT_MULTIPLIER"] == 3


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        ratelimit.limits_for("no_such_action")


@pytest.mark.parametrize("path", ["/status/", f"{API}/status/incidents/"])
def test_the_public_status_page_and_api_stop_a_flood_from_one_ip_and_serve_the_others(path, settings):
    # Read without an account: the client IP is all there is to count.
    limit(settings, "public_status", ip=[(5, 60)])
    anonymous = APIClient()
    answers = [anonymous.get(path, REMOTE_ADDR="203.0.113.10").status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    assert anonymous.get(path, REMOTE_ADDR="203.0.113.99").status_code == 200


def test_a_flood_of_conclusions_stops_at_the_limit_and_issues_no_more_invoices(customer, agent, settings):
    # Each conclusion "fixed" issues the diagnosis invoice: it counts with the money actions.
    tickets = [open_incident(customer)["id"] for _ in range(3)]
    for ticket in tickets:
        start(agent, ticket)
    limit(settings, "money", user=[(2, 60)])
    client = client_for(agent)
    codes = [
        client.post(
            f"{API}/tickets/{ticket}/conclude-diagnosis/",
            {"findings": "f", "outcome": "fixed"},
            format="json",
        ).status_code
        for ticket in tickets
    ]
    assert codes == [200, 200, 429]
    assert Ticket.objects.get(pk=tickets[2]).status == Ticket.State.DIAGNOSING
    assert Invoice.objects.filter(ticket_id__in=tickets).count() == 2
