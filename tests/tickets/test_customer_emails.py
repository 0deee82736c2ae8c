"""What the support staff write reaches the customer by e-mail: each staff message, and the answer that
closes a question, in the account's language, with the ticket's reply address; a reply to it by e-mail
comes back as the ticket's next message, without the quoted text."""

import pytest
from django.db import transaction
from django.utils import timezone

from mailin.models import InboundEmail
from mailin.services import inbound_email_receive
from outbox.models import SentEmail
from tests.mailin.conftest import DOMAIN, mail
from tests.portals import incident
from tests.workflow import API, client_for
from tickets.models import Message, Ticket
from tickets.replies import ticket_reply_address
from tickets.services import message_post, ticket_open

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


@pytest.fixture(autouse=True)
def _mailbox(settings):
    settings.MAILIN_REPLY_DOMAIN = DOMAIN
    settings.MAILIN_LOCAL_PART = "support"


@pytest.fixture
def question(customer):
    return ticket_open(by=customer, kind="technical", subject="Backups", description="Where are they?")


@pytest.fixture(autouse=True)
def _settled(question):
    """The e-mails of the setup (the question's "opened") count as gone: each test reads only its own."""
    SentEmail.objects.update(sent_at=timezone.now(), attempts=1)


def to_customer(mailoutbox, customer) -> list:
    return [message for message in mailoutbox if message.to == [customer.email]]


def test_a_staff_message_is_mailed_to_the_customer_with_its_text_and_the_reply_address(
    customer, agent, question, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    body = "Your backups are in /srv/backup & kept 7 days.\n<script>alert(1)</script>"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(
            f"{API}/tickets/{question.pk}/messages/", {"body": body}, format="json"
        )
    assert response.status_code == 201, response.content
    [email] = to_customer(mailoutbox, customer)
    assert (
        email.subject == f"Ticket n° {question.pk}\u00a0: une réponse du support"
    )  # the account speaks French
    assert email.reply_to == [ticket_reply_address(question.pk)]
    assert "/srv/backup & kept 7 days." in email.body  # plain text: shown as written
    html, _mimetype = email.alternatives[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "/srv/backup &amp; kept 7 days." in html
    message = Message.objects.get(ticket=question, author=agent)
    assert SentEmail.objects.filter(
        kind="staff_replied", object_id=message.pk, sent_at__isnull=False
    ).exists()


def test_the_customers_own_messages_are_not_mailed_back_to_them(
    customer, question, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(ticket=question, author=customer, body="Any news?")
    assert to_customer(mailoutbox, customer) == []
    assert not SentEmail.objects.filter(kind="staff_replied").exists()


def test_a_staff_message_rolled_back_mails_nothing(customer, agent, question, mailoutbox):
    mailoutbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        message_post(ticket=question, author=agent, body="Never sent")
        raise RuntimeError
    assert not SentEmail.objects.filter(kind="staff_replied").exists()
    assert to_customer(mailoutbox, customer) == []


def test_a_question_answered_and_closed_mails_the_answer(
    customer, agent, question, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    answer = "Backups run nightly; restore them from the panel."
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(
            f"{API}/tickets/{question.pk}/close/", {"answer": answer}, format="json"
        )
    assert response.status_code == 200, response.content
    [email] = to_customer(mailoutbox, customer)
    assert email.subject == f"Ticket n° {question.pk}\u00a0: notre réponse"
    assert answer in email.body and "clos" in email.body
    assert email.reply_to == [ticket_reply_address(question.pk)]


def test_a_refused_close_mails_nothing(customer, agent, mailoutbox, django_capture_on_commit_callbacks):
    """An incident is not closed with an answer (409): nothing is recorded, nothing sent."""
    ticket = incident(customer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(
            f"{API}/tickets/{ticket.pk}/close/", {"answer": "No"}, format="json"
        )
    assert response.status_code == 409
    assert not SentEmail.objects.filter(kind="ticket_answered").exists()
    assert to_customer(mailoutbox, customer) == []


def test_a_reply_to_the_staffs_e_mail_becomes_the_next_message_without_the_quote(
    customer, agent, question, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(ticket=question, author=agent, body="Which server is it?")
    [email] = to_customer(mailoutbox, customer)
    quoted = "\n".join(f"> {line}" for line in email.body.splitlines())
    reply = mail(
        to=email.reply_to[0],
        subject=f"Re: {email.subject}",
        body=f"It is web-01.\n\nLe 6 déc. 2026, Incident Desk a écrit :\n{quoted}\n",
    )
    record = inbound_email_receive(raw=reply, source=InboundEmail.Source.PIPE)
    assert record.outcome == InboundEmail.Outcome.MESSAGE, record.reason
    latest = Message.objects.filter(ticket=question).latest("id")
    assert (latest.author, latest.body, latest.via_email) == (customer, "It is web-01.", True)
    assert Ticket.objects.get(pk=question.pk).status == Ticket.State.OPEN
