"""`manage.py mailin_receive`: one message on standard input, as an MTA pipes it."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from mailin.models import InboundEmail
from tests.mailin.conftest import mail, reply_to
from tickets.models import Message
from tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def pipe(monkeypatch, raw: bytes, *args) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("mailin_receive", *args, stdout=out)
    return out.getvalue()


def test_a_piped_reply_is_posted_once_however_often_it_is_piped(monkeypatch, customer):
    ticket = ticket_open(by=customer, kind="technical", subject="Mail", description="d")
    raw = reply_to(ticket, body="Piped in", message_id="<p1@example.fr>")
    assert pipe(monkeypatch, raw).strip() == "<p1@example.fr> message"
    assert pipe(monkeypatch, raw).strip() == "<p1@example.fr> message"
    assert Message.objects.get(ticket=ticket).body == "Piped in"
    assert InboundEmail.objects.get().source == InboundEmail.Source.PIPE


def test_the_envelope_recipient_given_by_the_mta_counts(monkeypatch, customer):
    raw = mail(to="undisclosed-recipients:;", subject="Commercial")
    pipe(monkeypatch, raw, "--recipient", "Support+Commercial@desk.example.com")
    assert InboundEmail.objects.get().ticket.kind == "commercial"


def test_a_refusal_is_still_a_delivery(monkeypatch, db):
    assert "unknown_sender" in pipe(monkeypatch, mail(sender="stranger@example.org"))


def test_a_message_over_the_limit_is_read_to_its_end_and_refused(monkeypatch, customer, settings):
    settings.MAILIN_MAX_BYTES = 2_000
    pipe(monkeypatch, mail(body="y" * 10_000))
    record = InboundEmail.objects.get()
    assert record.reason == "too_large" and record.size > 10_000


def test_nothing_on_standard_input_is_an_error(monkeypatch, db):
    with pytest.raises(CommandError):
        pipe(monkeypatch, b"")


def test_the_database_down_asks_the_mta_to_try_again(monkeypatch, db):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("mailin.management.commands.mailin_receive.inbound_email_receive", down)
    with pytest.raises(SystemExit) as exit_:
        pipe(monkeypatch, mail())
    assert exit_.value.code == 75


def test_nothing_is_received_while_e_mail_in_is_not_configured(monkeypatch, settings, db):
    settings.MAILIN_REPLY_DOMAIN = ""
    with pytest.raises(CommandError):
        pipe(monkeypatch, mail())
    assert not InboundEmail.objects.exists()
