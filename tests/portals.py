"""Helpers of the portal view tests: a logged-in browser client and tickets brought to a given state."""

from decimal import Decimal

from django.test import Client

from billing.services import LineSpec
from diagnostics.services import QuoteSpec, diagnosis_conclude
from tests.mfa import VerifiedClient
from tickets.services import ticket_open, ticket_start_diagnosis

HOSTILE = [
    "",
    " ",
    "x" * 100_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE tickets_ticket; --",
    "\x00\x01\x02",
    "{{ 7*7 }}{% debug %}",
    "😀" * 300,
]


def browser(user) -> Client:
    """A client logged in as `user`; staff with the second factor given (an enrolled app, SEC-10)."""
    client = VerifiedClient()
    if user is not None:
        client.force_login(user)
    return client


def statuses(url: str, *users) -> list[int]:
    """What each user gets for a GET of `url`, in order (None: nobody logged in)."""
    return [browser(user).get(url).status_code for user in users]


def incident(customer, **overrides):
    values = {
        "kind": "incident",
        "subject": "Server down",
        "description": "No ping since 3am",
        "accept_diagnosis_fee": True,
        **overrides,
    }
    return ticket_open(by=customer, **values)


def quoted(customer, agent):
    ticket = incident(customer)
    ticket_start_diagnosis(ticket=ticket, by=agent)
    diagnosis_conclude(
        ticket=ticket,
        findings="Disk failing",
        outcome="quoted",
        by=agent,
        quote=QuoteSpec(
            lines=[LineSpec(description="Replace disk", quantity=Decimal("1"), unit_price=Decimal("80.00"))]
        ),
    )
    ticket.refresh_from_db()
    return ticket
