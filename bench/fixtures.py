"""Who and what the benchmark requests: printed as JSON for bench/run.py (run with the bench database's env).

The customer is the active account with the most tickets (the worst case of "my tickets"); tokens are
created for the API scenarios; ticket pages rotate over that customer's newest and oldest tickets.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402

from accounts.models import Customer, Role, User  # noqa: E402
from accounts.tokens import token_issue  # noqa: E402
from billing.models import Invoice  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def main() -> None:
    biggest = (
        Ticket.objects.filter(customer__support_status=Customer.SupportStatus.ACTIVE)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    customer_user = (
        User.objects.filter(customer_id=biggest["customer_id"], role=Role.CUSTOMER).order_by("id").first()
    )
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("id").first()
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("id").first()
    tickets = Ticket.objects.filter(customer_id=biggest["customer_id"])
    ticket_ids = list(tickets.order_by("-id").values_list("id", flat=True)[:150]) + list(
        tickets.order_by("id").values_list("id", flat=True)[:50]
    )
    invoiced = Invoice.objects.values("customer_id").annotate(n=Count("id")).order_by("-n").first()
    # What the search scenarios type: seed_scale's words (common ones, a rare one, one found nowhere), a
    # customer's name, ticket and invoice numbers (staff: anyone's; the customer: its own).
    some_invoice = Invoice.objects.filter(ticket_id__isnull=False).order_by("id")[
        Invoice.objects.count() // 2 :
    ][:1]
    own_invoice = Invoice.objects.filter(customer_id=biggest["customer_id"], ticket_id__isnull=False).first()
    some_customer = Customer.objects.order_by("id")[Customer.objects.count() // 3 :][:1]
    words = ["server", "timeouts", "backup retention", "deployment output", "certificat", "nothing-found"]
    search = {
        "staff": [
            *words,
            some_customer[0].name[: len("Customer 012345")] if some_customer else "Customer",
            f"#{ticket_ids[-1]}",
            some_invoice[0].number if some_invoice else "FR-2026-000001",
        ],
        "customer": [*words, f"#{ticket_ids[0]}", own_invoice.number if own_invoice else "FR-2026-000001"],
    }
    print(
        json.dumps(
            {
                "customer": {
                    "email": customer_user.email,
                    "token": token_issue(customer_user, second_factor=True)[0],
                    "customer_id": biggest["customer_id"],
                    "tickets": biggest["n"],
                },
                "agent": {"email": agent.email, "token": token_issue(agent, second_factor=True)[0]},
                "finance": {
                    "email": finance.email,
                    "token": token_issue(finance, second_factor=True)[0],
                },
                "ticket_ids": ticket_ids,
                "invoice_customer_id": invoiced["customer_id"],
                "search": search,
                "counts": {
                    "tickets": Ticket.objects.count(),
                    "invoices": Invoice.objects.count(),
                    "customers": Customer.objects.count(),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
