"""The journeys of issue 7, clicked through in Chromium as new users would, in French, German and English,
at a desktop's width and at a phone's.

(a) a customer opens an incident seeing the fee, an agent concludes with a quote, the customer accepts,
    the agent completes, finance records the payment;
(b) a customer refuses an invoice after the warning page and then cannot open a ticket;
(c) an agent asks for read access, the customer grants it, the agent records an intervention, the customer
    sees it in the log;
(d) an agent and a customer find tickets with the search box (issue 16);
(e) to (j), what issue 18 found missing: a form's errors all at once with the focus on them, pending decisions
    on the customer's dashboard, the banned account's way back, the inbox of every kind with a claim apart from
    the diagnosis and its counts, finance's "all" filter, payment dates, reversals and spreadsheet CSV, the
    styled 403 and the administrator's menu.
Screenshots of each step go to a temporary folder; the README's gallery comes from the demo world
(test_portal_pages.py).
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from accounts.models import Role
from billing.models import Invoice
from billing.services import invoice_pay, invoice_refuse
from consent.services import access_request_create
from diagnostics.services import diagnosis_conclude
from tests.browser.conftest import AT_EVERY_WIDTH, WIDTHS, assert_no_problems
from tests.factories import PASSWORD, CustomerFactory, ServiceFactory, UserFactory
from tests.portals import incident
from tickets.models import Ticket
from tickets.services import message_post, ticket_start_diagnosis

# Each journey at a desktop's width and at a phone's.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), AT_EVERY_WIDTH]

LANGUAGES = {
    "fr": {
        "country": "FR",
        "order": "Commander avec obligation de paiement",
        "gross": "24,00\u00a0€",
        "accept": "Accepter le devis",
        "accept_total": "251,88\u00a0€",
        "quote_net": "189,90",
        "claim": "Prendre en charge",
        "paid": "Payée",
        "refused": "Refusée",
        "banned": "Votre compte est exclu du support",
        "grant": "Accorder",
        "granted": "Accordée",
        "read": "Lire vos données",
        "read_staff": "Lire les données du client",
        "grant_staff": "avec l’autorisation donnée par le client",
        "subject": "Les serveurs ne répondent plus",
        "stem": "serveur",  # the singular finds the plural: French stemming
        "no_match": "Aucun ticket ne correspond à cette recherche.",
    },
    "de": {
        "country": "DE",
        "order": "zahlungspflichtig bestellen",
        "gross": "23,80\u00a0€",
        "accept": "Angebot annehmen",
        "accept_total": "249,78\u00a0€",
        "quote_net": "189,90",
        "claim": "Übernehmen",
        "paid": "Bezahlt",
        "refused": "Abgelehnt",
        "banned": "Ihr Konto ist vom Support ausgeschlossen",
        "grant": "Erteilen",
        "granted": "Erteilt",
        "read": "Ihre Daten lesen",
        "read_staff": "Kundendaten lesen",
        "grant_staff": "im Rahmen der Freigabe des Kunden",
        "subject": "Die Festplatte ist voll",
        "stem": "Festplatten",  # the plural finds the singular: German stemming
        "no_match": "Kein Ticket entspricht dieser Suche.",
    },
    "en": {
        "country": "FR",  # an English-speaking account billed from France
        "order": "Order with obligation to pay",
        "gross": "24.00",
        "accept": "Accept the quote",
        "accept_total": "€251.88",
        "quote_net": "189.90",
        "claim": "Claim",
        "paid": "Paid",
        "refused": "Refused",
        "banned": "Your account is banned from support",
        "grant": "Grant",
        "granted": "Granted",
        "read": "Read your data",
        "read_staff": "Read customer data",
        "grant_staff": "under the grant the customer gave",
        "subject": "The servers stopped answering",
        "stem": "server",  # the singular finds the plural: English stemming
        "no_match": "No ticket matches this search.",
    },
}


def people(language):
    account = CustomerFactory(
        name=f"Kunde {language} <b>&</b>", country=LANGUAGES[language]["country"], language=language
    )
    ServiceFactory(customer=account, name="srv-01.example.net")
    customer = UserFactory(email=f"client-{language}@example.com", role=Role.CUSTOMER, customer=account)
    agent = UserFactory(
        email=f"agent-{language}@example.com", role=Role.AGENT, customer=None, language=language
    )
    finance = UserFactory(
        email=f"finance-{language}@example.com", role=Role.FINANCE, customer=None, language=language
    )
    return customer, agent, finance


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def words(language):
    return LANGUAGES[language]


@pytest.fixture
def login(person, language, width):
    """Logs a user in at their own browser; the committed screenshots come from the French desktop run."""
    return lambda user: person(user, PASSWORD, screenshots=language == "fr" and width == WIDTHS["desktop"])


def under_diagnosis(customer_user, agent_user) -> Ticket:
    ticket = incident(customer_user)
    ticket_start_diagnosis(ticket=ticket, by=agent_user)
    return ticket


def fixed(customer_user, agent_user, findings: str) -> Invoice:
    """The invoice of an incident the diagnosis fixed: its fee is due."""
    ticket = under_diagnosis(customer_user, agent_user)
    diagnosis_conclude(ticket=ticket, findings=findings, outcome="fixed", by=agent_user)
    return Invoice.objects.get(ticket_id=ticket.pk)


def test_incident_quote_work_and_payment(login, language, words, eager_tasks):
    customer_user, agent_user, finance_user = people(language)

    # The customer sees the fee, and each outcome's cost, before the final button.
    customer = login(customer_user)
    customer.shot("customer-dashboard")
    page = customer.go("/customer/tickets/new/")
    expect(page.locator("#fee-gross")).to_contain_text(words["gross"])
    expect(page.locator("table.outcomes tbody tr")).to_have_count(5)
    order = page.get_by_role("button", name=words["order"])
    expect(order).to_be_visible()
    customer.shot("customer-open-incident")
    page.fill("#id_subject", "Serveur injoignable <script>alert(1)</script>")
    page.fill("#id_description", "Plus de ping depuis 3 h.")
    order.click()  # without the box: refused next to it, nothing opened
    expect(page.locator("#id_accept_diagnosis_fee_error")).to_be_visible()
    assert not Ticket.objects.exists()
    page.check("#id_accept_diagnosis_fee")
    page.get_by_role("button", name=words["order"]).click()
    expect(page.locator("h1")).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    ticket = Ticket.objects.get()

    # The agent claims it from the queue and concludes with a quote, totals computed as typed.
    agent = login(agent_user)
    page = agent.go("/staff/")
    agent.shot("staff-queue")
    page.locator(f"#ticket-{ticket.pk}").get_by_role("button", name=words["claim"]).click()
    page.click("#start-diagnosis")  # claiming engaged nothing: the billable diagnosis starts here
    page.click("#conclude")
    page.fill("#id_findings", "Disque en fin de vie.")
    page.check("input[name=outcome][value=quoted]")
    page.fill("#id_lines-0-description", "Remplacement du disque")
    page.fill("#id_lines-0-quantity", "2")
    page.fill("#id_lines-0-unit_price", "49.95")
    page.click("#add-line")
    page.fill("#id_lines-3-description", "Main-d'œuvre")
    page.fill("#id_lines-3-quantity", "1.5")
    page.fill("#id_lines-3-unit_price", "60")
    expect(page.locator("#quote-net")).to_contain_text(words["quote_net"])
    agent.shot("staff-conclude-diagnosis")
    page.locator("#conclude-submit").click()
    expect(page.locator("#quote")).to_contain_text(words["quote_net"])
    agent.shot("staff-workspace")

    # The customer accepts the quote: the work starts at once.
    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    customer.shot("customer-ticket-quote")
    page.get_by_role("link", name=words["accept"]).click()
    # A confirmation states the total before anything is decided: the quote and the fee, VAT included.
    expect(page.locator("#decision-total")).to_contain_text(words["accept_total"])
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.QUOTE_SENT
    customer.shot("customer-quote-confirm")
    page.click("#confirm-decision")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.State.IN_WORK

    # The agent reports the work as complete: fee and quote are invoiced.
    page = agent.go(f"/staff/tickets/{ticket.pk}/")
    page.click("#complete")
    page.fill("#id_report", "Disque remplacé, RAID reconstruit.")
    page.click("#complete-submit")
    invoice = Invoice.objects.get(ticket_id=ticket.pk)

    # Finance records the payment of the amount due, prefilled.
    finance = login(finance_user)
    page = finance.go("/finance/")
    finance.shot("finance-invoices")
    page.get_by_role("link", name=invoice.number).click()
    finance.shot("finance-invoice")
    page.click("#record-payment")
    expect(page.locator("#invoice-status")).to_have_text(words["paid"])
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.PAID

    page = customer.go(f"/customer/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-status")).to_have_text(words["paid"])
    customer.shot("customer-invoice-paid")
    assert_no_problems(customer, agent, finance)


def test_refusing_an_invoice_after_the_warning_ends_support(login, language, words, eager_tasks):
    customer_user, agent_user, finance_user = people(language)
    invoice = fixed(customer_user, agent_user, "Fixed the DNS zone.")
    fixed(
        customer_user, agent_user, "Restarted the web server."
    )  # stays open: the receivables chart has a bar

    customer = login(customer_user)
    page = customer.go(f"/customer/invoices/{invoice.pk}/")
    expect(page.locator("#pay img")).to_be_visible()  # the EPC QR code, served by the app
    customer.shot("customer-invoice")
    page.click("#refuse-link")
    expect(page.locator("#consequences")).to_be_visible()
    customer.shot("customer-refuse-warning")
    page.click("#refuse-submit")  # no reason, box unticked: readable errors, nothing refused
    expect(page.locator(".errorlist").first).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.State.OPEN
    page.fill("#id_reason", "Le diagnostic n'a rien réglé.")
    page.check("#id_understood")
    page.click("#refuse-submit")
    expect(page.locator("#invoice-status")).to_have_text(words["refused"])

    page = customer.go("/customer/tickets/new/")
    expect(page.locator("main")).to_contain_text(words["banned"])
    expect(page.get_by_role("button", name=words["order"])).to_have_count(0)
    page = customer.go("/customer/tickets/ask/")
    expect(page.locator("main")).to_contain_text(words["banned"])
    expect(page.locator("form.stacked")).to_have_count(0)
    customer.shot("customer-banned")

    finance = login(finance_user)
    page = finance.go("/finance/accounts/banned/")
    expect(page.locator("main")).to_contain_text("Le diagnostic n'a rien réglé.")
    finance.shot("finance-banned-accounts")
    page = finance.go("/finance/receivables/")
    expect(page.locator("svg.chart rect")).not_to_have_count(0)
    finance.shot("finance-receivables")
    assert_no_problems(customer, finance)


def test_access_is_asked_granted_used_and_logged(login, language, words, eager_tasks):
    customer_user, agent_user, _finance_user = people(language)
    ticket = under_diagnosis(customer_user, agent_user)

    agent = login(agent_user)
    page = agent.go(f"/staff/tickets/{ticket.pk}/")
    page.click("#access")
    page.select_option("#id_scope", "read_data")
    page.fill("#id_reason", "Lire les journaux Apache pour trouver l'erreur 502.")
    page.fill("#id_duration_hours", "2")
    page.click("#request-access")
    expect(page.locator("#access-requests")).to_contain_text("502")

    customer = login(customer_user)
    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    page.click("#access-link")
    page.get_by_role("button", name=words["grant"]).click()
    expect(page.locator("#access-requests")).to_contain_text(words["granted"])

    page = agent.go(f"/staff/tickets/{ticket.pk}/access/")
    page.select_option("#id_action", "read_data")
    page.fill("#id_description", "Journaux Apache lus : disque plein.")
    page.click("#record-intervention")
    expect(page.locator("#interventions")).to_contain_text("disque plein")
    # Staff read of the customer's data and grant; the customer reads of their own.
    expect(page.locator("#interventions")).to_contain_text(words["read_staff"])
    expect(page.locator("#interventions")).to_contain_text(words["grant_staff"])
    agent.shot("staff-access-and-interventions")

    page = customer.go(f"/customer/tickets/{ticket.pk}/access/")
    expect(page.locator("#interventions")).to_contain_text("Journaux Apache lus : disque plein.")
    expect(page.locator("#access-log")).to_contain_text(words["read"])
    customer.shot("customer-access-log")
    assert_no_problems(customer, agent)


def test_an_incident_can_be_opened_with_the_keyboard_alone(person):
    """Tab through the page in order, type, tick with Space, send with Enter: no mouse, no trap."""
    customer_user, _agent_user, _finance_user = people("fr")
    customer = person(customer_user, PASSWORD)
    page = customer.go("/customer/tickets/new/")

    def tab_to(element_id: str) -> None:
        for _ in range(40):  # a page with a focus trap or a field out of the order never gets there
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("id_subject")
    page.keyboard.type("Site lent")
    tab_to("id_description")
    page.keyboard.type("Temps de réponse de 8 s depuis ce matin.")
    tab_to("id_accept_diagnosis_fee")
    page.keyboard.press("Space")
    tab_to("order")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("Site lent")
    assert Ticket.objects.get().subject == "Site lent"
    assert_no_problems(customer)


def test_staff_and_customers_find_tickets_with_the_search_box(login, language, words):
    customer_user, agent_user, _finance_user = people(language)
    wanted = incident(customer_user, subject=words["subject"])
    other = incident(customer_user, subject="Mail bounces")
    stranger = incident(UserFactory(customer=CustomerFactory(name="Fremd AG", country="DE", language="de")))

    agent = login(agent_user)
    page = agent.go("/staff/tickets/")
    page.fill("#id_q", words["stem"])
    page.press("#id_q", "Enter")
    expect(page.locator(f"#ticket-{wanted.pk}")).to_be_visible()
    expect(page.locator(f"#ticket-{other.pk}")).to_have_count(0)
    page.fill("#id_q", f"#{stranger.pk}")
    page.press("#id_q", "Enter")
    expect(page.locator(f"#ticket-{stranger.pk}")).to_be_visible()
    expect(page.locator(f"#ticket-{wanted.pk}")).to_have_count(0)

    customer = login(customer_user)
    page = customer.go("/customer/tickets/")
    page.fill("#id_q", words["stem"])
    page.press("#id_q", "Enter")
    expect(page.locator("table")).to_contain_text(words["subject"])
    expect(page.locator("table")).not_to_contain_text("Mail bounces")
    page.fill("#id_q", f"#{stranger.pk}")  # another account's ticket, even by its number: nothing
    page.press("#id_q", "Enter")
    expect(page.locator("table")).to_contain_text(words["no_match"])
    assert_no_problems(customer, agent)


def say(language: str, text: str, context: str = "") -> str:
    """What the page says for `text` in `language`: the catalogue's words, not a copy of them."""
    with translation.override(language):
        return pgettext(context, text) if context else gettext(text)


def test_a_form_names_every_problem_at_once_and_takes_the_focus(login, language, words):
    customer_user, _agent_user, _finance_user = people(language)
    customer = login(customer_user)
    page = customer.go("/customer/tickets/new/")
    page.get_by_role("button", name=words["order"]).click()  # nothing filled, box unticked
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # announced (role=alert) and where the reader is, not below the fold
    expect(summary).to_have_attribute("role", "alert")
    # The subject, the description and the fee box, all on the first submit; each line leads to its field.
    expect(summary.locator("li a")).to_have_count(3)
    expect(summary.locator("a[href='#id_accept_diagnosis_fee']")).to_have_count(1)
    customer.shot("customer-form-errors")
    assert not Ticket.objects.exists()
    assert_no_problems(customer)


def test_a_customer_finds_what_waits_for_their_decision(login, language, words):
    customer_user, agent_user, _finance_user = people(language)
    ticket = under_diagnosis(customer_user, agent_user)
    access_request_create(
        ticket=ticket, scope="read_data", reason="Lire les journaux.", duration_hours=2, by=agent_user
    )
    for number in range(11):  # more open tickets than the dashboard lists
        incident(customer_user, subject=f"Panne {number}")

    customer = login(customer_user)
    page = customer.go("/customer/")
    decision = page.locator("#decision-access_requests")
    expect(decision.locator(f"a[href='/customer/tickets/{ticket.pk}/access/']")).to_be_visible()
    customer.shot("customer-dashboard-decision")
    see_all = page.get_by_role("link", name=say(language, "See all your tickets"))
    expect(see_all).to_be_visible()
    decision.get_by_role("link").first.click()
    page.get_by_role("button", name=words["grant"]).click()
    expect(page.locator("#access-requests")).to_contain_text(words["granted"])

    page = customer.go(f"/customer/tickets/{ticket.pk}/")
    expect(page.locator("#decision-access_requests")).to_have_count(0)  # decided: nothing waits any more
    page = customer.go("/customer/")
    expect(page.locator("#decision-access_requests")).to_have_count(0)
    page.get_by_role("link", name=say(language, "See all your tickets")).click()
    expect(page.locator("main")).to_contain_text("Panne 0")
    assert_no_problems(customer)


def test_a_banned_customer_is_shown_the_way_back(login, language, words, eager_tasks):
    customer_user, agent_user, _finance_user = people(language)
    invoice = fixed(customer_user, agent_user, "DNS zone fixed.")
    invoice_refuse(invoice=invoice, reason="Nothing was fixed.", by=customer_user)

    customer = login(customer_user)
    page = customer.go("/customer/")
    expect(page.locator("#support-status")).to_have_text(say(language, "Banned from support"))
    # Nothing offers what the account may no longer do; the way back is there: pay, or write to finance.
    expect(page.locator("nav a[href='/customer/tickets/new/']")).to_have_count(0)
    expect(page.locator("main a[href^='mailto:']")).to_have_count(1)
    page.get_by_role("link", name=say(language, "See your invoices")).click()
    expect(page.locator(f"a[href='/customer/invoices/{invoice.pk}/']")).to_be_visible()
    assert_no_problems(customer)


def test_the_inbox_holds_every_kind_and_a_claim_starts_nothing(login, language, words):
    customer_user, agent_user, _finance_user = people(language)
    question = incident(customer_user, kind="technical", accept_diagnosis_fee=False, subject="IPv6?")
    paid = incident(customer_user, subject="Server down")

    agent = login(agent_user)
    page = agent.go("/staff/")
    expect(page.locator(f"#ticket-{question.pk}")).to_be_visible()  # a question reaches the landing page
    expect(page.locator(f"#ticket-{paid.pk}")).to_be_visible()
    page.select_option("#id_kind", "technical")  # the rows follow the filter at once
    expect(page.locator(f"#ticket-{paid.pk}")).to_have_count(0)
    expect(page.locator(f"#ticket-{question.pk} .badge.status-open")).to_be_visible()
    agent.shot("staff-inbox-filtered")
    page.locator(f"#ticket-{question.pk}").get_by_role("button", name=words["claim"]).click()
    expect(page.locator("h1")).to_contain_text("IPv6?")
    question.refresh_from_db()
    assert (question.assignee_id, question.status) == (agent_user.pk, Ticket.State.OPEN)

    message_post(ticket=question, author=customer_user, body="Any news?")
    page = agent.go("/staff/")
    waiting = page.locator("nav a[href='/staff/mine/?waiting=on']")
    expect(waiting.locator(".count")).to_have_text("1")  # the count says what waits for me, and leads to it
    waiting.click()
    expect(page.locator(f"#ticket-{question.pk}")).to_be_visible()
    expect(page.locator(f"#ticket-{paid.pk}")).to_have_count(0)
    assert_no_problems(agent)


def test_finance_sees_every_invoice_refuses_a_wrong_date_and_reverses_a_payment(
    login, language, words, eager_tasks
):
    customer_user, agent_user, finance_user = people(language)
    invoice = fixed(customer_user, agent_user, "DNS zone fixed.")
    other = fixed(customer_user, agent_user, "Web server restarted.")
    invoice_pay(invoice=other, amount=other.gross, received_on=other.issued_on, by=finance_user)

    finance = login(finance_user)
    page = finance.go("/finance/")
    expect(page.locator(f"a[href='/finance/invoices/{other.pk}/']")).to_have_count(0)  # paid: not open
    page.select_option("#id_status", "all")
    page.get_by_role("button", name=say(language, "Filter")).click()
    expect(page.locator(f"a[href='/finance/invoices/{other.pk}/']")).to_be_visible()
    expect(page.locator(f"a[href='/finance/invoices/{invoice.pk}/']")).to_be_visible()

    # The spreadsheet link: the reader's headers, `;` between fields and `,` before the cents.
    export = finance.context.request.get(finance.base + page.locator("#export-csv-eu").get_attribute("href"))
    header, *rows = export.text().lstrip("\ufeff").splitlines()
    assert header.split(";")[0] == say(language, "Number")
    assert any(f"{other.gross:.2f}".replace(".", ",") in row for row in rows)

    page = finance.go(f"/finance/invoices/{invoice.pk}/")
    page.fill("#id_received_on", "1999-01-04")  # years before the invoice: refused, nothing recorded
    page.click("#record-payment")
    expect(page.locator("#error-summary")).to_be_focused()
    assert not invoice.payments.exists()
    page.fill("#id_received_on", invoice.issued_on.isoformat())
    page.click("#record-payment")
    expect(page.locator("#invoice-status")).to_have_text(words["paid"])

    payment = invoice.payments.get()
    page.fill(f"#reverse-reason-{payment.pk}", "Booked on the wrong invoice.")
    page.locator(f"#payment-{payment.pk}").get_by_role("button").click()
    expect(page.locator("#invoice-status")).to_have_text(say(language, "Open", "invoice status"))
    expect(page.locator(f"#payment-{payment.pk} del")).to_be_visible()  # kept, struck through, with why
    expect(page.locator(f"#payment-{payment.pk}")).to_contain_text("Booked on the wrong invoice.")
    finance.shot("finance-payment-reversed")
    assert_no_problems(finance)


def test_a_wrong_portal_gets_its_styled_page_and_the_administrator_every_portal(login, language):
    customer_user, _agent_user, _finance_user = people(language)
    customer = login(customer_user)
    response = customer.page.goto(f"{customer.base}/staff/")
    assert response is not None and response.status == 403
    expect(customer.page.locator("link[rel=stylesheet]")).to_have_count(1)  # the portal's page, styled
    customer.page.get_by_role("link", name=say(language, "Back to the start page")).click()
    expect(customer.page).to_have_url(f"{customer.base}/customer/")
    customer.console_errors = [e for e in customer.console_errors if "status of 403" not in e]

    administrator = UserFactory(
        email=f"admin-{language}@example.com", role=Role.ADMIN, customer=None, language=language
    )
    admin = login(administrator)
    page = admin.go("/staff/")
    for name in ("Finance portal", "Django admin"):
        expect(page.get_by_role("link", name=say(language, name))).to_be_visible()
    page.get_by_role("link", name=say(language, "Finance portal")).click()
    expect(page.get_by_role("link", name=say(language, "Support portal"))).to_be_visible()
    assert_no_problems(customer, admin)
