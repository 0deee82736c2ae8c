"""The workflow's and billing's e-mails: text and HTML, in the account's language, telling what is due."""

import pytest
from django.utils import timezone

from billing.services import invoice_pay
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.workflow import API, QUOTE, client_for, conclude, open_incident, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_the_whole_workflow_mails_the_account_in_its_language(
    customer, agent, finance, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_incident(customer)
        start(agent, ticket["id"])
        ticket = conclude(agent, ticket["id"], "quoted", QUOTE)
        client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/accept/")
        client_for(agent).post(
            f"{API}/tickets/{ticket['id']}/complete-work/", {"report": "Done"}, format="json"
        )
        invoice_id = client_for(customer).get(f"{API}/tickets/{ticket['id']}/").json()["invoices"][0]
        client_for(finance).post(f"{API}/invoices/{invoice_id}/payments/", {"amount": "1.00"}, format="json")

    # The desk is told of what the customer did (tests/tickets/test_staff_notices.py), in the agent's language.
    notices = SentEmail.objects.filter(kind__startswith="staff_").order_by("id")
    assert [(e.kind, e.recipients, e.language) for e in notices] == [
        ("staff_ticket_opened", agent.email, "en"),
        ("staff_quote_accepted", agent.email, "en"),
    ]
    sent = SentEmail.objects.exclude(kind__startswith="staff_").order_by("id")
    assert [e.kind for e in sent] == [
        "ticket_opened",
        "diagnosis_concluded",
        "quote_sent",
        "invoice_issued",
        "work_completed",
        "payment_received",
    ]
    assert {(e.language, e.recipients, e.attempts) for e in sent} == {("fr", customer.email, 1)}
    assert all(e.sent_at is not None for e in sent)
    mailed = [message for message in mailoutbox if message.to != [agent.email]]
    assert len(mailed) == 6
    for message in mailed:
        assert message.to == [customer.email]
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and '<html lang="fr">' in html
        assert "{%" not in message.body and "{{" not in message.body
    opened = mailed[0]
    assert str(ticket["id"]) in opened.subject
    assert "24,00\u00a0€" in opened.body  # the fee the customer accepted, gross, written the French way


def test_a_german_account_is_mailed_in_german(other_customer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue_invoice(other_customer.customer)
    assert SentEmail.objects.get().language == "de"
    assert '<html lang="de">' in mailoutbox[0].alternatives[0][0]
    assert invoice.number in mailoutbox[0].subject
    # The amount and the due day as a German reader writes them, as the invoice's PDF does.
    assert f"{invoice.gross:f}".replace(".", ",") + "\u00a0€" in mailoutbox[0].body
    assert f"zahlbar bis {invoice.due_on:%d.%m.%Y}" in mailoutbox[0].body


def test_payment_email_tells_what_is_still_due(
    customer, customer_account, finance, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue_invoice(customer_account)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_pay(invoice=invoice, amount=invoice.gross - 4, received_on=timezone.localdate(), by=finance)
    assert "Reste dû\u00a0: 4,00\u00a0€." in mailoutbox[-1].body
