"""Poll the support mailbox once, as the beat task does (MAILIN_IMAP_*)."""

from django.core.management.base import BaseCommand

from mailin.imap import imap_configured, mailbox_poll


class Command(BaseCommand):
    help = "Receive the support mailbox's unseen messages once (IMAP, as configured)."

    def handle(self, *args, **options):
        if not imap_configured():
            self.stdout.write(
                "e-mail in is not configured (DJANGO_MAILIN_IMAP_HOST, DJANGO_MAILIN_REPLY_DOMAIN): nothing to poll"
            )
            return
        self.stdout.write(f"{mailbox_poll()} messages received")
