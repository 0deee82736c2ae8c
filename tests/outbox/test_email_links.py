"""Every customer e-mail links to what it asks (issue 18): the access request to where it is granted or denied,
the quote to where it is accepted or declined, an invoice to its page; absolute, from SITE_URL."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from consent.services import access_request_create
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.portals import incident, quoted
from tests.security.test_settings import PRODUCTION_ENV, settings_in
from tickets.services import ticket_start_diagnosis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]
SITE = "https://desk.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def only(mailoutbox, subject_part: str):
    (message,) = [message for message in mailoutbox if subject_part in message.subject]
    return message


def assert_links_to(message, path: str) -> None:
    assert f"{SITE}{path}" in message.body
    assert f'href="{SITE}{path}"' in message.alternatives[0][0]


def test_the_access_request_links_to_where_the_customer_grants_or_denies_it(
    customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    SentEmail.objects.update(sent_at=timezone.now(), attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        access_request_create(ticket=ticket, scope="read_data", reason="Logs", duration_hours=2, by=agent)
    message = only(mailoutbox, "accès")  # the account's language: French
    assert_links_to(message, reverse("customer:consent:access", args=[ticket.pk]))
    assert "Accorder ou refuser la demande" in message.body


def test_the_quote_links_to_its_decision_page(
    customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = quoted(customer, agent)
    message = only(mailoutbox, "Devis")
    assert_links_to(message, reverse("customer:quotes:detail", args=[ticket.quote.pk]))


def test_an_invoice_links_to_its_page(
    customer, customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue_invoice(customer_account)
    message = only(mailoutbox, invoice.number)
    assert_links_to(message, reverse("customer:billing:invoice", args=[invoice.pk]))


def test_a_new_tickets_email_links_to_the_ticket(customer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = incident(customer)
    message = only(mailoutbox, f"{ticket.pk}")
    assert_links_to(message, reverse("customer:tickets:detail", args=[ticket.pk]))


def test_every_outbox_email_template_carries_its_link():
    # The outbox's templates (each builder puts `link` in its context); the password reset has its own.
    folder = Path(settings.BASE_DIR) / "templates" / "email"
    templates = [path for path in folder.glob("*/*.*") if path.parent.name != "accounts"]
    assert len(templates) == 30
    assert [path.name for path in templates if "{{ link }}" not in path.read_text()] == []


def test_the_site_url_defaults_to_the_first_host_over_https_and_may_be_set():
    assert settings_in(PRODUCTION_ENV, "SITE_URL") == {"SITE_URL": "https://desk.example.com"}
    plain = {**PRODUCTION_ENV, "DJANGO_SECURE_SSL": "false"}
    assert settings_in(plain, "SITE_URL") == {"SITE_URL": "http://desk.example.com:8000"}
    chosen = {**PRODUCTION_ENV, "DJANGO_SITE_URL": "https://support.example.com/"}
    assert settings_in(chosen, "SITE_URL") == {"SITE_URL": "https://support.example.com"}
