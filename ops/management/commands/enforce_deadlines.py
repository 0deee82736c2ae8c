from django.core.management.base import BaseCommand

from ops.sweeps import deadlines_enforce


class Command(BaseCommand):
    help = (
        "Run what the hourly Celery task runs: lapse unpaid invoices and ban their accounts, apply pending "
        "bans, expire quotes, send payment reminders and waiting e-mails. Safe to run any number of times."
    )

    def handle(self, *args, **options):
        for sweep, count in deadlines_enforce().items():
            self.stdout.write(f"{sweep}: {count}")
