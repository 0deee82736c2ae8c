"""Receive one e-mail from standard input: the command an MTA pipes each message of the support address to.

    # Postfix (master.cf): flags=Rq user=desk argv=/app/.venv/bin/python /app/manage.py mailin_receive --recipient ${recipient}

Exit status 0 once the message is recorded, whatever its outcome (the refusals are the desk's to answer,
not the MTA's to bounce); 75 (EX_TEMPFAIL) when it could not be recorded (the database is down), so the MTA
keeps it and tries again; a message piped twice is recognised and acted on once.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from mailin.models import InboundEmail
from mailin.services import inbound_email_receive, inbound_email_too_large

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Receive one e-mail (RFC 5322 bytes) from standard input: a reply to a ticket or a new question."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient", action="append", default=[], help="the envelope recipient, as the MTA gives it"
        )

    def handle(self, *args, recipient: list[str], **options):
        if not settings.MAILIN_REPLY_DOMAIN:
            raise CommandError("e-mail in is not configured: set DJANGO_MAILIN_REPLY_DOMAIN")
        stdin = sys.stdin.buffer
        raw = stdin.read(settings.MAILIN_MAX_BYTES + 1)
        if not raw.strip():
            raise CommandError("no message on standard input")
        try:
            if len(raw) > settings.MAILIN_MAX_BYTES:
                size = len(raw) + sum(len(chunk) for chunk in iter(lambda: stdin.read(1 << 20), b""))
                record = inbound_email_too_large(
                    raw_headers=raw[:65536], size=size, source=InboundEmail.Source.PIPE
                )
            else:
                record = inbound_email_receive(
                    raw=raw,
                    source=InboundEmail.Source.PIPE,
                    envelope_recipients=tuple(address.lower() for address in recipient),
                )
        except DatabaseError as exc:
            self.stderr.write(f"not recorded, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{record.message_id} {record.outcome} {record.reason}".rstrip())
