"""The IMAP poll against a real dovecot: each new message received once, marked seen, huge ones unread."""

import shutil

import pytest

from mailin.imap import mailbox_poll
from mailin.models import InboundEmail
from mailin.tasks import mailbox_poll_task
from tests.mailin.conftest import mail, reply_to
from tests.mailin.dovecot import DOVECOT, start_dovecot
from tickets.models import Message, Ticket
from tickets.services import ticket_open

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which(DOVECOT) is None, reason="needs Debian's dovecot-imapd (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def dovecot_server():
    mailbox, stop = start_dovecot()
    yield mailbox
    stop()


@pytest.fixture
def mailbox(dovecot_server, settings):
    settings.MAILIN_IMAP_HOST = dovecot_server.host
    settings.MAILIN_IMAP_PORT = dovecot_server.port
    settings.MAILIN_IMAP_SSL = False
    settings.MAILIN_IMAP_USER = dovecot_server.user
    settings.MAILIN_IMAP_PASSWORD = dovecot_server.password
    settings.MAILIN_IMAP_FOLDER = "INBOX"
    dovecot_server.clear()
    return dovecot_server


def test_the_poll_receives_each_new_message_once_and_marks_it_seen(mailbox, customer):
    question = ticket_open(by=customer, kind="technical", subject="Backups", description="Where?")
    reply = reply_to(question, body="Found them, thanks.", message_id="<r1@example.fr>")
    mailbox.deliver(
        reply,
        reply,  # delivered twice (a retrying MTA): one message
        mail(subject="New question", body="Can I get a second IP?"),
        mail(headers={"Auto-Submitted": "auto-replied"}, body="Out of office"),
    )
    assert mailbox_poll() == 4
    assert mailbox.unseen() == 0
    assert Message.objects.get(ticket=question).body == "Found them, thanks."
    assert Ticket.objects.filter(subject="New question").exists()
    outcomes = sorted(InboundEmail.objects.values_list("outcome", "reason"))
    assert outcomes == [("message", ""), ("rejected", "automated"), ("ticket", "")]
    assert mailbox_poll() == 0  # nothing new


def test_a_message_over_the_limit_is_recorded_from_its_headers_without_being_downloaded(
    mailbox, customer, settings
):
    settings.MAILIN_MAX_BYTES = 5_000
    mailbox.deliver(mail(body="x" * 20_000, message_id="<huge@example.fr>"))
    assert mailbox_poll() == 1
    record = InboundEmail.objects.get()
    assert (record.message_id, record.reason, record.sender) == (
        "<huge@example.fr>",
        "too_large",
        customer.email,
    )
    assert record.size > 20_000


def test_a_message_that_failed_stays_unseen_for_the_next_poll(mailbox, customer, monkeypatch):
    from mailin import imap

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    mailbox.deliver(mail(subject="Q"))
    monkeypatch.setattr(imap, "inbound_email_receive", broken)
    assert mailbox_poll() == 0 and mailbox.unseen() == 1
    monkeypatch.undo()
    assert mailbox_poll() == 1 and mailbox.unseen() == 0


def test_the_beat_task_does_nothing_without_an_imap_host_or_a_reply_domain(settings, mailbox):
    mailbox.deliver(mail(subject="Q"))
    settings.MAILIN_REPLY_DOMAIN = ""
    assert mailbox_poll_task() == 0
    settings.MAILIN_REPLY_DOMAIN, settings.MAILIN_IMAP_HOST = "desk.example.com", ""
    assert mailbox_poll_task() == 0
    assert mailbox.unseen() == 1 and not InboundEmail.objects.exists()
