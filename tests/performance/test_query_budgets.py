"""Query budgets: each list, detail page and API endpoint runs as many SQL queries for 50 rows as for 1.

These cover what the apps' own test files do not already (the customer's ticket list, dashboard, ticket
page and invoices, the staff queues, the finance lists, the customer's API ticket list, the finance
API invoice list, ban history and the consent lists are budgeted there). Data comes from seed_scale at
a tiny scale, so rows carry everything the real ones do (diagnoses, quotes, invoices, credit notes).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer, Role, User
from billing.models import BanEvent, Invoice
from billing.services import LineSpec, customer_reinstate, invoice_issue, invoice_pay
from quotes.models import Quote, QuoteLine
from quotes.services import quote_accept, quote_decline, ticket_complete_work
from tests.conftest import api_for
from tests.portals import browser, quoted
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("on_postgres")
API = "/api/v1"


@pytest.fixture
def seeded(db):
    call_command("seed_scale", scale=0.001, stdout=io.StringIO())  # 100 accounts, 1,000 tickets, 300 invoices


def role(name: str) -> User:
    return User.objects.filter(role=name).order_by("id").first()


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


# ------------------------------------------------------------------------------------------ API lists


def newest_ticket_with_everything(*, declined: bool) -> Ticket:
    """A French incident, newest of all, with a diagnosis, a quote with lines and an invoice: page 1 of one row
    then shows every relation the ticket representation has, as the rows of a 50-row page do."""
    account = Customer.objects.filter(country="FR", support_status=Customer.SupportStatus.ACTIVE).order_by(
        "id"
    )[0]
    ticket = quoted(account.users.get(), role(Role.AGENT))
    if declined:
        quote_decline(quote=ticket.quote, by=ticket.opened_by)
    else:
        quote_accept(quote=ticket.quote, by=ticket.opened_by)
        ticket_complete_work(ticket=ticket, report="Done", by=role(Role.AGENT))
    assert ticket.invoices.exists()
    return ticket


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("agent", "/tickets/"),
        ("agent", "/tickets/?status=resolved"),
        ("agent", "/tickets/?kind=incident&country=FR"),
        ("agent", "/tickets/?status=closed&suspected_provider_fault=false"),
        ("finance", "/invoices/?status=paid"),
        ("agent", "/customers/"),
        ("agent", "/services/"),
        ("admin", "/users/"),
    ],
)
def test_api_lists_by_page_size(seeded, who, path, django_assert_num_queries):
    if path.startswith("/tickets/"):
        newest_ticket_with_everything(declined="closed" in path)
    client = api_for(role(who))
    separator = "&" if "?" in path else "?"
    last = {}

    def rows():
        return len(last["response"].json()["results"])

    def get(size):
        last["response"] = client.get(f"{API}{path}{separator}page_size={size}")
        return last["response"]

    get(1)
    with CaptureQueriesContext(connection) as queries:
        assert get(1).status_code == 200
    assert rows() == 1
    with django_assert_num_queries(len(queries)):
        assert get(50).status_code == 200
    assert rows() == 50


def test_api_customer_invoice_list(seeded, django_assert_num_queries):
    account = Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id").first()
    for _ in range(50 - account.invoices.count()):
        invoice_issue(
            customer=account,
            lines=[LineSpec("Work", Decimal("1"), Decimal("10.00"))],
            service_date=timezone.localdate(),
        )
    client = api_for(account.users.get())
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(f"{API}/invoices/?page_size=1").json()["results"]) == 1
    with django_assert_num_queries(len(queries)):
        assert len(client.get(f"{API}/invoices/?page_size=50").json()["results"]) == 50


# ------------------------------------------------------------------------------------------ one object with many rows


@dataclass
class OneRow:
    """An object whose page shows one row of a list it holds, its customer, and how to grow the list to 50."""

    obj: Model
    customer: User
    rows: Callable[[], int]
    grow: Callable[[], None]


def ticket_messages() -> OneRow:
    ticket = (
        Ticket.objects.filter(kind=Ticket.Kind.INCIDENT, status=Ticket.State.RESOLVED, quote__isnull=False)
        .order_by("id")
        .first()
    )
    ticket.messages.exclude(pk=ticket.messages.order_by("id").values_list("id", flat=True)[:1]).delete()
    if not ticket.messages.exists():
        Message.objects.create(ticket=ticket, author=ticket.opened_by, body="First")
    agent = role(Role.AGENT)

    def grow():
        Message.objects.bulk_create(
            Message(ticket=ticket, author=agent if n % 2 else ticket.opened_by, body=f"message {n}")
            for n in range(ticket.messages.count(), 50)
        )

    return OneRow(ticket, ticket.opened_by, ticket.messages.count, grow)


def ticket_history() -> OneRow:
    ticket = (
        Ticket.objects.filter(kind=Ticket.Kind.TECHNICAL, status=Ticket.State.OPEN).order_by("id").first()
    )
    agent = role(Role.AGENT)

    def grow():
        TicketEvent.objects.bulk_create(
            TicketEvent(ticket=ticket, actor=agent, verb=TicketEvent.Verb.NOTE, public=False, detail={"n": n})
            for n in range(49)
        )

    return OneRow(ticket, ticket.opened_by, ticket.events.count, grow)


def quote_lines() -> OneRow:
    quote = Quote.objects.filter(status=Quote.State.ACCEPTED, invoice__isnull=False).order_by("id").first()
    quote.lines.exclude(position=1).delete()

    def grow():
        QuoteLine.objects.bulk_create(
            QuoteLine(
                quote=quote,
                position=n,
                description=f"line {n}",
                quantity=1,
                unit_price=Decimal("1.00"),
                net=Decimal("1.00"),
            )
            for n in range(2, 51)
        )

    return OneRow(quote, quote.ticket.opened_by, quote.lines.count, grow)


def account_bans() -> OneRow:
    account = Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id").first()
    account.ban_events.all().delete()
    finance = role(Role.FINANCE)

    def reinstatement(note: str) -> BanEvent:
        return BanEvent(
            customer=account,
            kind=BanEvent.Kind.REINSTATEMENT,
            note=note,
            actor=finance,
            applied_at=timezone.now(),
            changed_status=True,
        )

    reinstatement("first").save()

    def grow():
        BanEvent.objects.bulk_create(reinstatement(f"n{n}") for n in range(49))

    return OneRow(account, account.users.get(), account.ban_events.count, grow)


@pytest.mark.parametrize(
    ("one_row", "viewer", "client_for", "url"),
    [
        (ticket_messages, "customer", api_for, lambda obj: f"{API}/tickets/{obj.pk}/messages/?page_size=50"),
        (ticket_messages, "agent", api_for, lambda obj: f"{API}/tickets/{obj.pk}/messages/?page_size=50"),
        (ticket_history, "agent", api_for, lambda obj: f"{API}/tickets/{obj.pk}/history/?page_size=50"),
        (quote_lines, "agent", api_for, lambda obj: f"{API}/tickets/{obj.ticket_id}/"),
        (quote_lines, "customer", api_for, lambda obj: f"{API}/quotes/{obj.pk}/"),
        (ticket_messages, "agent", browser, lambda obj: reverse("staff:tickets:detail", args=[obj.pk])),
        (quote_lines, "customer", browser, lambda obj: reverse("customer:quotes:detail", args=[obj.pk])),
        (account_bans, "finance", browser, lambda obj: reverse("finance:billing:history", args=[obj.pk])),
    ],
    ids=[
        "api_ticket_messages-customer",
        "api_ticket_messages-agent",
        "api_ticket_history",
        "api_ticket_detail_with_its_quote",
        "api_quote_detail",
        "staff_ticket_page",
        "customer_quote_page",
        "finance_account_history_page",
    ],
)
def test_one_object_shows_50_rows_in_the_queries_of_1(
    seeded, one_row, viewer, client_for, url, django_assert_num_queries
):
    held = one_row()
    client = client_for(held.customer if viewer == "customer" else role(viewer))
    client.get(url(held.obj))  # the first request of a client sets up its session
    one = count(client, url(held.obj))
    assert held.rows() == 1
    held.grow()
    with django_assert_num_queries(one):
        assert client.get(url(held.obj)).status_code == 200
    assert held.rows() == 50


def invoices_with_1_and_50_lines_and_payments() -> tuple[Invoice, Invoice]:
    """Two new invoices of one account: one line and one payment; 50 lines and 50 partial payments.
    (Issued documents cannot be edited, so the second is issued that way rather than grown.)"""
    account = Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id").first()
    finance = role(Role.FINANCE)
    invoices = []
    for lines in (1, 50):
        invoice = invoice_issue(
            customer=account,
            service_date=timezone.localdate(),
            lines=[LineSpec(f"Work {n}", Decimal("1"), Decimal("10.00")) for n in range(lines)],
        )
        for n in range(lines):
            invoice_pay(
                invoice=invoice,
                amount=Decimal("1.00"),
                received_on=timezone.localdate(),
                reference=f"part {n}",
                by=finance,
            )
        invoices.append(invoice)
    return invoices[0], invoices[1]


def test_api_invoice_detail(seeded, django_assert_num_queries):
    one, fifty = invoices_with_1_and_50_lines_and_payments()
    client = api_for(role(Role.FINANCE))
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(f"{API}/invoices/{one.pk}/").json()["lines"]) == 1
    with django_assert_num_queries(len(queries)):
        assert len(client.get(f"{API}/invoices/{fifty.pk}/").json()["lines"]) == 50


def test_api_receivables_report(seeded, django_assert_num_queries):
    account = Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id").first()
    url = f"{API}/reports/receivables/"
    client = api_for(role(Role.FINANCE))
    one = count(client, url)
    for _ in range(50):
        invoice_issue(
            customer=account,
            lines=[LineSpec("Work", Decimal("1"), Decimal("10.00"))],
            service_date=timezone.localdate(),
        )
    with django_assert_num_queries(one):
        assert client.get(url).status_code == 200


# ------------------------------------------------------------------------------------------ portal pages


@pytest.mark.parametrize("portal", ["customer", "finance"])
def test_invoice_page(seeded, portal, django_assert_num_queries):
    one, fifty = invoices_with_1_and_50_lines_and_payments()
    client = browser(one.customer.users.get() if portal == "customer" else role(Role.FINANCE))
    name = "customer:billing:invoice" if portal == "customer" else "finance:billing:invoice"
    client.get(reverse(name, args=[one.pk]))
    queries = count(client, reverse(name, args=[one.pk]))
    with django_assert_num_queries(queries):
        assert client.get(reverse(name, args=[fifty.pk])).status_code == 200


def ban(account: Customer, *, at) -> None:
    invoice = invoice_issue(
        customer=account,
        lines=[LineSpec("Work", Decimal("1"), Decimal("10.00"))],
        service_date=timezone.localdate(),
    )
    BanEvent.objects.create(
        customer=account,
        kind=BanEvent.Kind.BAN,
        reason=Customer.BanReason.UNPAID_INVOICE,
        invoice=invoice,
        created_at=at,
        applied_at=at,
        changed_status=True,
    )
    Customer.objects.filter(pk=account.pk).update(
        support_status=Customer.SupportStatus.BANNED,
        banned_at=at,
        ban_reason=Customer.BanReason.UNPAID_INVOICE,
    )


def test_finance_banned_accounts_page(seeded, django_assert_num_queries):
    # From one banned account to 50, each with the invoice that banned it.
    def banned():
        return Customer.objects.filter(support_status=Customer.SupportStatus.BANNED)

    now = timezone.now()
    # The seed's banned accounts are reinstated, as finance would, so that the page starts with one.
    for account in banned():
        customer_reinstate(customer=account, reason="paid", by=role(Role.FINANCE))
    ban(Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id").first(), at=now)
    url = reverse("finance:billing:banned")

    def grow():
        for n, account in enumerate(
            Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE).order_by("id")[:49]
        ):
            ban(account, at=now - timedelta(minutes=n + 1))

    client = browser(role(Role.FINANCE))
    client.get(url)
    one = count(client, url)
    assert banned().count() == 1
    grow()
    with django_assert_num_queries(one):
        page = client.get(url)
    assert banned().count() == 50 and len(page.context["page"]) == 25  # a full page, the next one linked
