"""Every portal page of the demo world (`make run`), for each person who uses it, in French, German and
English, at a desktop's width (1366 px) and a phone's (390 px): axe-core finds nothing serious or critical,
nothing scrolls sideways or sticks out of its card, no text is clipped, no script error, no foreign request.
"""

import io
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from accounts.models import User
from billing.models import Invoice
from ops.management.commands.seed_demo import DEMO_PASSWORD
from outages.models import ProviderIncident
from tests.browser.conftest import GALLERY, WIDTHS, assert_no_problems
from tests.browser.pages import axe_problems, layout_problems
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("fr", "de", "en")
MISSING = 999_999_999  # an id no demo row has: the portal's own 404 page


def customer_pages(user) -> list[str]:
    tickets = Ticket.objects.filter(customer=user.customer).order_by("status", "id")
    pages = ["/customer/", "/customer/tickets/", "/customer/invoices/", "/account/security/"]
    if not user.customer.is_banned:
        pages += ["/customer/tickets/new/", "/customer/tickets/ask/"]
        # The fee of a service a known provider incident affects: free, and says why.
        pages += [
            f"/customer/tickets/new/?service={pk}"
            for pk in user.customer.services.filter(kind="dedicated_server").values_list("pk", flat=True)[:1]
        ]
    pages += ["/status/"]  # public, in the customer's frame
    pages += [f"/customer/tickets/{pk}/" for pk in _one_per(tickets, "status")]
    # Each SLA claim's page: its period, and its credit granted or its refusal for a ban.
    pages += [
        f"/customer/tickets/{pk}/" for pk in tickets.filter(kind="sla_claim").values_list("pk", flat=True)
    ]
    pages += [
        f"/customer/tickets/{pk}/access/"
        for pk in tickets.filter(kind="incident").values_list("pk", flat=True)[:1]
    ]
    invoices = Invoice.objects.filter(customer=user.customer)
    pages += [f"/customer/invoices/{pk}/" for pk in _one_per(invoices, "status")]
    pages += [
        f"/customer/invoices/{pk}/refuse/"
        for pk in invoices.filter(status="open").values_list("pk", flat=True)[:1]
    ]
    for quote_id in tickets.filter(status="quote_sent").values_list("quote__pk", flat=True)[:1]:
        pages += [
            f"/customer/quotes/{quote_id}/",
            f"/customer/quotes/{quote_id}/accept/",
            f"/customer/quotes/{quote_id}/decline/",
        ]
    return pages + [f"/customer/tickets/{MISSING}/", "/staff/"]  # a 404 and a 403, each in its portal


def staff_pages() -> list[str]:
    tickets = Ticket.objects.order_by("status", "id")
    pages = ["/staff/", "/staff/mine/", "/staff/tickets/", "/account/security/"]
    pages += [f"/staff/tickets/{pk}/" for pk in _one_per(tickets, "status")]
    pages += [
        f"/staff/tickets/{pk}/conclude/"
        for pk in tickets.filter(status="diagnosing").values_list("pk", flat=True)[:1]
    ]
    claims = tickets.filter(kind="sla_claim")
    pages += [f"/staff/tickets/{pk}/" for pk in claims.values_list("pk", flat=True)]
    pages += [
        f"/staff/tickets/{pk}/sla-claim/" for pk in claims.filter(status="open").values_list("pk", flat=True)
    ]
    pages += [
        f"/staff/tickets/{pk}/complete/"
        for pk in tickets.filter(status="in_work").values_list("pk", flat=True)[:1]
    ]
    pages += [
        f"/staff/tickets/{pk}/access/"
        for pk in tickets.filter(kind="incident").values_list("pk", flat=True)[:1]
    ]
    # E-mail in: the list of received mail, and a ticket with a reply that came by e-mail (its marker).
    pages += ["/staff/mail/"]
    pages += [
        f"/staff/tickets/{pk}/"
        for pk in tickets.filter(messages__via_email=True).values_list("pk", flat=True)[:1]
        if f"/staff/tickets/{pk}/" not in pages
    ]
    pages += ["/staff/incidents/", "/staff/incidents/new/", "/status/"]
    pages += [f"/staff/incidents/{pk}/" for pk in _one_per(ProviderIncident.objects.order_by("id"), "status")]
    return pages + [f"/staff/tickets/{MISSING}/", "/finance/"]


def finance_pages() -> list[str]:
    pages = [
        "/finance/",
        "/finance/?status=all",
        "/finance/closed/",
        "/finance/accounts/banned/",
        "/finance/refunds/",
        "/finance/receivables/",
    ]
    pages += [f"/finance/invoices/{pk}/" for pk in _one_per(Invoice.objects.all(), "status")]
    banned = User.objects.filter(customer__banned_at__isnull=False).values_list("customer_id", flat=True)[:1]
    pages += [f"/finance/accounts/{pk}/history/" for pk in banned]
    return pages + [f"/finance/invoices/{MISSING}/"]


def _one_per(queryset, field: str) -> list[int]:
    """The first row's id of each value of `field`: one page per state is enough to see each state's layout."""
    seen: dict = {}
    for pk, value in queryset.values_list("pk", field):
        seen.setdefault(value, pk)
    return list(seen.values())


@pytest.fixture
def demo_world():
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(params=WIDTHS)
def width(request):
    return WIDTHS[request.param]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_holds_at_every_width_in_every_language(demo_world, person, language):
    people = {
        "client@example.fr": customer_pages,
        "agent@incident-desk.example": lambda user: staff_pages(),
        "finance@incident-desk.example": lambda user: finance_pages(),
    }
    banned = User.objects.filter(customer__banned_at__isnull=False).first()
    if banned is not None:
        people[banned.email] = customer_pages
    problems = []
    for email, pages_of in people.items():
        user = User.objects.select_related("customer").get(email=email)
        someone = person(user, DEMO_PASSWORD, screenshots=False)
        someone.context.add_cookies([{"name": "django_language", "value": language, "url": someone.base}])
        for path in pages_of(user):
            response = someone.page.goto(f"{someone.base}{path}")
            assert response is not None and response.status < 500, (
                f"{email} {path}: {response and response.status}"
            )
            assert someone.page.locator("html").get_attribute("lang") == language, f"{email} {path}"
            if response.status in (403, 404):  # asked for on purpose: the browser logs the load as failed
                someone.console_errors = [
                    e for e in someone.console_errors if f"status of {response.status}" not in e
                ]
            found = axe_problems(someone.page) + layout_problems(someone.page)
            problems += [f"{email} {urlparse(path).path}: {problem}" for problem in found]
        problems += [f"{email}: {problem}" for problem in someone.problems()]
    assert problems == [], "\n".join(problems)


def gallery(user) -> dict[str, str]:
    """The README's screenshots: what each person sees on the demo world's pages that tell the product best."""
    if user.role == "agent":
        tickets = Ticket.objects.all()
        diagnosing = tickets.filter(status="diagnosing").values_list("pk", flat=True).first()
        granted = tickets.filter(access_requests__status="granted").values_list("pk", flat=True).first()
        return {
            "staff-queue": "/staff/",
            "staff-workspace": f"/staff/tickets/{diagnosing}/",
            "staff-conclude-diagnosis": f"/staff/tickets/{diagnosing}/conclude/",
            "staff-access-and-interventions": f"/staff/tickets/{granted}/access/",
        }
    if user.role == "finance":
        part_paid = Invoice.objects.filter(status="open", payments__isnull=False).values_list("pk", flat=True)
        return {
            "finance-invoices": "/finance/",
            "finance-invoice": f"/finance/invoices/{part_paid.first()}/",
            "finance-banned-accounts": "/finance/accounts/banned/",
            "finance-receivables": "/finance/receivables/",
        }
    if user.customer.is_banned:
        return {"customer-banned": "/customer/"}
    tickets = Ticket.objects.filter(customer=user.customer)
    invoices = Invoice.objects.filter(customer=user.customer)
    quote = tickets.filter(status="quote_sent").values_list("pk", "quote__pk").first()
    granted = tickets.filter(access_requests__status="granted").values_list("pk", flat=True).first()
    open_invoice = invoices.filter(status="open").values_list("pk", flat=True).first()
    return {
        "customer-dashboard": "/customer/",
        "customer-open-incident": "/customer/tickets/new/",
        "customer-ticket-quote": f"/customer/tickets/{quote[0]}/",
        "customer-quote-confirm": f"/customer/quotes/{quote[1]}/accept/",
        "customer-access-log": f"/customer/tickets/{granted}/access/",
        "customer-invoice": f"/customer/invoices/{open_invoice}/",
        "customer-invoice-paid": f"/customer/invoices/{invoices.filter(status='paid').first().pk}/",
        "customer-refuse-warning": f"/customer/invoices/{open_invoice}/refuse/",
    }


@pytest.mark.parametrize("width", [WIDTHS["desktop"]])
def test_gallery_of_the_demo_world(demo_world, person):
    """French, at a desktop's width; `make screenshots` writes them to docs/screenshots/ for the README."""
    emails = [
        "client@example.fr",
        User.objects.filter(customer__banned_at__isnull=False).values_list("email", flat=True).first(),
        "agent@incident-desk.example",
        "finance@incident-desk.example",
    ]
    people = []
    for email in emails:
        user = User.objects.select_related("customer").get(email=email)
        someone = person(user, DEMO_PASSWORD)
        someone.context.add_cookies([{"name": "django_language", "value": "fr", "url": someone.base}])
        for name, path in gallery(user).items():
            response = someone.page.goto(f"{someone.base}{path}")
            assert response is not None and response.status == 200, f"{email} {path}"
            someone.shot(name, folder=GALLERY)
        people.append(someone)
    assert_no_problems(*people)
