"""Demo data for `make run`: three customer accounts, staff of every role, and a few weeks of a living desk
(ops/demo.py). Safe to run again: the world is built once."""

import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import BillingEntity, Customer, Role, Service, User
from accounts.services import customer_create, service_create, user_create
from ops import demo

DEMO_PASSWORD = "demo-incident-desk-2026"

CUSTOMERS: list[dict[str, Any]] = [
    {
        "name": "Boulangerie Exemple SARL",
        "country": "FR",
        "vat_id": "FR40303265045",
        "billing_address": "12 place du Marché\n75011 Paris\nFrance",
        "language": "fr",
        "users": ["client@example.fr", "comptable@example.fr"],
        "services": [
            # (name, kind, SLA, net monthly price): the dedicated server is under an SLA, the hosting not.
            ("srv-paris-01.example.net", Service.Kind.DEDICATED_SERVER, True, "149.00"),
            ("boulangerie-exemple.fr", Service.Kind.WEB_HOSTING, False, "9.90"),
        ],
    },
    {
        "name": "Beispiel Bäckerei GmbH",
        "country": "DE",
        "vat_id": "DE136695976",
        "billing_address": "Hauptstraße 5\n10115 Berlin\nDeutschland",
        "language": "de",
        "users": ["kunde@example.de"],
        "services": [("vps-berlin-07.example.net", Service.Kind.VPS, True, "39.90")],
    },
    {
        "name": "Fromagerie Démo SAS",
        "country": "FR",
        "vat_id": "",
        "is_business": True,
        "billing_address": "3 rue des Halles\n69002 Lyon\nFrance",
        "language": "fr",
        "users": ["fromagerie@example.fr"],
        "services": [("vps-lyon-12.example.net", Service.Kind.VPS, True, "29.90")],
    },
]
STAFF = [
    ("agent@incident-desk.example", Role.AGENT),
    ("finance@incident-desk.example", Role.FINANCE),
    ("admin@incident-desk.example", Role.ADMIN),
]
# What each account lives through in the demo world, for the printed logins.
STORY_OF = {
    "Boulangerie Exemple SARL": "tickets in every state, quotes, invoices, a grant of access, an SLA credit",
    "Beispiel Bäckerei GmbH": "an invoice lapsed, banned then reinstated, a refund owed",
    "Fromagerie Démo SAS": "refused an invoice: banned from support, its SLA claim refused",
}


class Command(BaseCommand):
    help = (
        "Create the demo accounts and users and play a few weeks of tickets, quotes, invoices, payments, bans "
        "and consent through the services (once: a second run adds nothing); print the logins."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            customers, users = self._accounts()
            world = self._world(customers, users)
        self.stdout.write(world)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in users.items():
            self.stdout.write(f"  {email:36} {what[1]}")
        # SEC-10: no second factor is seeded (a shared one would be no factor at all); staff enrol their own.
        self.stdout.write(
            "Staff (agent, finance, admin) enrol an authenticator app at their first login (/account/security/)."
        )

    def _accounts(self) -> tuple[list[Customer], dict[str, tuple[User, str]]]:
        customers, users = [], {}
        for spec in CUSTOMERS:
            customer = Customer.objects.filter(name=spec["name"]).first() or customer_create(
                **{key: spec[key] for key in ("name", "country", "vat_id", "billing_address", "language")},
                is_business=spec.get("is_business"),
            )
            customers.append(customer)
            for name, kind, has_sla, price in spec["services"]:
                if not Service.objects.filter(customer=customer, name=name).exists():
                    service_create(
                        customer=customer, name=name, kind=kind, has_sla=has_sla, monthly_price=Decimal(price)
                    )
            for email in spec["users"]:
                users[email] = (self._user(email, Role.CUSTOMER, customer), f"customer of {customer.name}")
        for email, role in STAFF:
            users[email] = (self._user(email, role, None), role)
        return customers, users

    def _user(self, email, role, customer) -> User:
        user = User.objects.filter(email=email).first()
        if user is None and role == Role.ADMIN:
            user = User.objects.create_superuser(email=email, password=DEMO_PASSWORD)
        elif user is None:
            user = user_create(email=email, password=DEMO_PASSWORD, role=role, customer=customer)
        return user

    def _world(self, customers: list[Customer], users: dict[str, tuple[User, str]]) -> str:
        if demo.world_exists(customers=customers):
            return "The demo world is already there (the demo accounts have tickets): nothing added."
        entities = BillingEntity.objects.filter(country__in={customer.country for customer in customers})
        if not (settings.DEMO_ENTITIES_MAY_ISSUE and all(entity.is_demo for entity in entities)):
            # The world issues invoices and credit notes: never in the legal series of a real entity.
            return (
                "No demo world: it is only played on billing entities marked as demo data, with "
                "DJANGO_DEMO_ENTITIES_MAY_ISSUE on (DJANGO_DEBUG=true, as `make run` sets it)."
            )
        started = time.monotonic()
        by_email = {email: user for email, (user, _what) in users.items()}
        demo.world_build(
            cast=demo.Cast(
                client=by_email["client@example.fr"],
                comptable=by_email["comptable@example.fr"],
                kunde=by_email["kunde@example.de"],
                gerant=by_email["fromagerie@example.fr"],
                agent=by_email["agent@incident-desk.example"],
                finance=by_email["finance@incident-desk.example"],
                admin=by_email["admin@incident-desk.example"],
            )
        )
        return f"Demo world played: {demo.summary()} ({time.monotonic() - started:.1f} s)."
