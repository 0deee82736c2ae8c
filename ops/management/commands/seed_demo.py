"""Demo data for `make run`: two customer accounts, staff of every role. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Customer, Role, Service, User

DEMO_PASSWORD = "demo-incident-desk-2026"

CUSTOMERS = [
    {
        "name": "Boulangerie Exemple SARL",
        "country": "FR",
        "vat_id": "FR40303265045",
        "billing_address": "12 place du Marché\n75011 Paris\nFrance",
        "language": "fr",
        "users": ["client@example.fr", "comptable@example.fr"],
        "services": [
            ("srv-paris-01.example.net", Service.Kind.DEDICATED_SERVER),
            ("boulangerie-exemple.fr", Service.Kind.WEB_HOSTING),
        ],
    },
    {
        "name": "Beispiel Bäckerei GmbH",
        "country": "DE",
        "vat_id": "DE136695976",
        "billing_address": "Hauptstraße 5\n10115 Berlin\nDeutschland",
        "language": "de",
        "users": ["kunde@example.de"],
        "services": [("vps-berlin-07.example.net", Service.Kind.VPS)],
    },
]
STAFF = [
    ("agent@incident-desk.example", Role.AGENT),
    ("finance@incident-desk.example", Role.FINANCE),
    ("admin@incident-desk.example", Role.ADMIN),
]


class Command(BaseCommand):
    help = "Create the demo accounts and users (idempotent) and print their logins."

    @transaction.atomic
    def handle(self, *args, **options):
        logins = []
        for spec in CUSTOMERS:
            customer, _ = Customer.objects.get_or_create(
                name=spec["name"],
                defaults={key: spec[key] for key in ("country", "vat_id", "billing_address", "language")},
            )
            for name, kind in spec["services"]:
                Service.objects.get_or_create(customer=customer, name=name, defaults={"kind": kind})
            for email in spec["users"]:
                self._user(email, Role.CUSTOMER, customer)
                logins.append((email, f"customer of {customer.name}"))
        for email, role in STAFF:
            self._user(email, role, None)
            logins.append((email, role))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in logins:
            self.stdout.write(f"  {email:36} {what}")
        # SEC-10: no second factor is seeded (a shared one would be no factor at all); staff enrol their own.
        self.stdout.write(
            "Staff (agent, finance, admin) enrol an authenticator app at their first login (/account/security/)."
        )

    def _user(self, email, role, customer):
        if not User.objects.filter(email=email).exists():
            create = User.objects.create_superuser if role == Role.ADMIN else User.objects.create_user
            extra = {} if role == Role.ADMIN else {"role": role, "customer": customer}
            create(email=email, password=DEMO_PASSWORD, **extra)
