"""Receiving e-mail: replies become messages, new mail opens questions, and nothing else gets in."""

import logging

import pytest

from billing.services import invoice_refuse
from mailin.models import InboundEmail
from mailin.services import inbound_email_receive
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.mailin.conftest import mail, reply_to
from tests.portals import incident
from tickets.models import Attachment, Message, Ticket
from tickets.replies import ticket_reply_address
from tickets.services import ticket_open

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

PIPE = InboundEmail.Source.PIPE
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def receive(raw: bytes) -> InboundEmail:
    return inbound_email_receive(raw=raw, source=PIPE)


@pytest.fixture
def question(customer):
    return ticket_open(by=customer, kind="technical", subject="Backups", description="Where are they?")


def test_a_reply_becomes_a_message_on_its_ticket_marked_as_by_e_mail(question, customer):
    body = "It works now, thanks.\n\nLe lun. 1 déc. 2026 à 10:00, Support <support@desk.example.com> a écrit :\n> Try again"
    record = receive(reply_to(question, body=body, files=(("screen.png", PNG, "image/png"),)))
    assert (record.outcome, record.reason, record.ticket, record.customer) == (
        InboundEmail.Outcome.MESSAGE,
        "",
        question,
        customer.customer,
    )
    message = Message.objects.get(ticket=question)
    assert (message.body, message.author, message.via_email) == ("It works now, thanks.", customer, True)
    assert record.ticket_message == message
    attachment = Attachment.objects.get(message=message)
    assert (attachment.original_name, attachment.kind, attachment.size) == ("screen.png", "png", len(PNG))


def test_files_the_portal_would_refuse_are_left_out_and_named(question):
    record = receive(
        reply_to(
            question,
            files=(
                ("run.exe", b"MZ\x90\x00", "application/octet-stream"),
                ("fake.png", b"MZ not a png", "image/png"),
            ),
        )
    )
    assert record.outcome == InboundEmail.Outcome.MESSAGE
    assert "run.exe" in record.detail and "fake.png" in record.detail
    assert not Attachment.objects.filter(ticket=question).exists()


def test_a_message_received_twice_posts_once(question):
    raw = reply_to(question, message_id="<same@example.fr>")
    first, second = receive(raw), receive(raw)
    assert first.pk == second.pk
    assert Message.objects.filter(ticket=question).count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_valid_reply_address_with_another_accounts_sender_is_refused_and_logged(
    question, other_customer, caplog
):
    with caplog.at_level(logging.WARNING, logger="mailin.services"):
        record = receive(reply_to(question, sender=other_customer.email))
    assert (record.outcome, record.reason) == (
        InboundEmail.Outcome.REJECTED,
        InboundEmail.Reason.FOREIGN_SENDER,
    )
    assert not Message.objects.filter(ticket=question).exists()
    assert "not a user of ticket" in caplog.text


def test_a_forged_or_altered_reply_address_is_refused(question, customer):
    other = ticket_open(by=customer, kind="technical", subject="Other", description="d")
    forged = ticket_reply_address(question.pk).replace(f"+t{question.pk}.", f"+t{other.pk}.")
    record = receive(mail(to=forged))
    assert record.reason == InboundEmail.Reason.BAD_ADDRESS
    assert not Message.objects.exists()


def test_a_spoofed_display_name_does_not_make_a_customer(question):
    record = receive(reply_to(question, sender='"client@example.fr" <attacker@evil.example>'))
    assert record.reason == InboundEmail.Reason.UNKNOWN_SENDER
    assert not Message.objects.exists() and not SentEmail.objects.filter(kind__startswith="mailin").exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Auto-Response-Suppress": "OOF, AutoReply"},
    ],
)
def test_auto_replies_are_recorded_and_neither_posted_nor_answered(question, headers):
    record = receive(reply_to(question, headers=headers, body="I am out of office"))
    assert record.reason == InboundEmail.Reason.AUTOMATED
    assert not Message.objects.exists() and not SentEmail.objects.filter(kind__startswith="mailin").exists()


def test_our_own_answers_coming_back_are_a_loop(question):
    assert receive(reply_to(question, headers={"X-Loop": "incident-desk"})).reason == InboundEmail.Reason.LOOP
    assert receive(mail(sender="support@desk.example.com")).reason == InboundEmail.Reason.LOOP


def test_html_only_mail_is_stored_as_text_without_its_script(question):
    raw = reply_to(question, body="", html="<p>Fixed<script>alert('x')</script></p>")
    record = receive(raw)
    assert record.outcome == InboundEmail.Outcome.MESSAGE
    assert Message.objects.get().body == "Fixed"


def test_a_message_over_the_size_limit_is_refused_unread(question, settings):
    settings.MAILIN_MAX_BYTES = 10_000
    record = receive(reply_to(question, files=(("big.txt", b"x" * 20_000, "text/plain"),)))
    assert record.reason == InboundEmail.Reason.TOO_LARGE and record.size > 10_000
    assert not Message.objects.exists()


def test_a_new_e_mail_from_a_known_user_opens_a_question(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(mail(subject="Fwd: DNS question", body="How do I add an MX record?"))
    assert record.outcome == InboundEmail.Outcome.TICKET
    ticket = record.ticket
    assert (ticket.kind, ticket.subject, ticket.description, ticket.opened_by) == (
        Ticket.Kind.TECHNICAL,
        "DNS question",
        "How do I add an MX record?",
        customer,
    )
    opened = [message for message in mailoutbox if message.to == [customer.email]]
    assert opened and opened[0].reply_to == [ticket_reply_address(ticket.pk)]


def test_the_address_tag_chooses_the_question_kind(customer):
    record = receive(mail(to="support+commercial@desk.example.com"))
    assert record.ticket.kind == Ticket.Kind.COMMERCIAL


def test_an_incident_by_e_mail_is_answered_with_the_portals_form(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(mail(to="support+incident@desk.example.com", subject="Server down"))
    assert (record.outcome, record.reason, record.answered) == (
        InboundEmail.Outcome.REJECTED,
        InboundEmail.Reason.INCIDENT,
        True,
    )
    assert not Ticket.objects.exists()
    (answer,) = mailoutbox
    assert answer.to == [customer.email]
    assert "/customer/tickets/new/" in answer.body and "Server down" in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert answer.extra_headers["In-Reply-To"] == InboundEmail.objects.get().message_id


def test_a_banned_account_gets_the_ban_notice_not_a_ticket_nor_a_message(
    customer, question, mailoutbox, django_capture_on_commit_callbacks
):
    invoice_refuse(invoice=issue_invoice(customer.customer), reason="No", by=customer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = receive(mail(subject="Another question"))
        reply = receive(reply_to(question))
    assert (new.reason, reply.reason) == (InboundEmail.Reason.BANNED, InboundEmail.Reason.BANNED)
    assert Ticket.objects.filter(customer=customer.customer).count() == 1
    assert not Message.objects.exists()
    notices = [message for message in mailoutbox if message.extra_headers.get("Auto-Submitted")]
    assert len(notices) == 2 == SentEmail.objects.filter(kind="mailin_ban_notice").count()
    assert all(notice.to == [customer.email] for notice in notices)
    assert "support" in notices[0].subject  # billing's ban notice, in the account's language (fr)


def test_a_robot_answering_every_answer_is_answered_a_few_times_only(
    customer, django_capture_on_commit_callbacks
):
    for _ in range(6):
        receive(mail(to="support+incident@desk.example.com"))
    assert InboundEmail.objects.filter(answered=True).count() == 3
    assert SentEmail.objects.filter(kind="mailin_incident_form").count() == 3


def test_an_unknown_sender_opens_nothing_and_gets_no_answer(db):
    record = receive(mail(sender="stranger@example.org"))
    assert record.reason == InboundEmail.Reason.UNKNOWN_SENDER
    assert not Ticket.objects.exists() and not SentEmail.objects.exists()


def test_a_banned_accounts_running_incident_still_takes_its_reply(customer, agent):
    # The portal's rule (SEC-25): a running incident runs to its end, and its thread with it.
    from tickets.services import ticket_start_diagnosis

    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    invoice_refuse(invoice=issue_invoice(customer.customer), reason="No", by=customer)
    assert receive(reply_to(ticket)).outcome == InboundEmail.Outcome.MESSAGE


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_the_same_message_received_by_two_processes_at_once_posts_once(customer):
    from tests.concurrency import run_together

    ticket = ticket_open(by=customer, kind="technical", subject="Twice", description="d")
    raw = reply_to(ticket, message_id="<twin@example.fr>")
    first, second = run_together(lambda: receive(raw), lambda: receive(raw))
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first.pk == second.pk
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_nul_characters_anywhere_are_recorded_without_an_error(customer, question):
    raw = reply_to(
        question, subject="Re:\x00 x", body="a\x00b", files=(("n\x00.txt", b"log\n", "text/plain"),)
    )
    raw = raw.replace(b"Message-ID: <", b"Message-ID: <\x00")
    record = receive(raw)
    assert record.outcome == InboundEmail.Outcome.MESSAGE
    assert Message.objects.get().body == "ab"
