"""Amounts computed by SQLite are shown as those computed by PostgreSQL.

`make run` and a bare checkout run on SQLite (config/settings.py: no DATABASE_URL), the suite on PostgreSQL
when one answers (bin/test-env). SQLite computes a decimal expression in floating point and Django hands it
back with fifteen significant digits: what an invoice still owes came out as `Decimal("263.880000000000")`
and was shown as "263,880000000000 EUR". Here the very annotations of the pages (what is paid and due,
`billing.selectors.with_amounts`; the receivables' sums) run on an in-memory SQLite database, whatever
database the suite itself uses, and their values go through the one formatter.
"""

import re
from decimal import Decimal

import pytest
from django.db.models.sql import InsertQuery
from django.db.utils import ConnectionHandler
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.selectors import with_amounts
from billing.services import invoice_pay
from config.csv import csv_cell
from config.formatting import format_money
from reporting.selectors import receivables_open_sums
from tests.billing.conftest import issue_invoice

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def sqlite():
    """An in-memory SQLite database holding the invoice and payment tables, and nothing else."""
    # A handler of its own: the suite's connections, whichever database they reach, stay as they are.
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    connection = handler["default"]
    with connection.schema_editor() as editor:
        editor.create_model(Invoice)
        editor.create_model(Payment)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # the accounts and users stay in the suite's database
    yield connection
    connection.close()


def copy_rows(connection, model, objects) -> None:
    """The rows of `objects`, as the suite's database holds them, into the same table on `connection`."""
    query = InsertQuery(model)
    query.insert_values(model._meta.local_concrete_fields, objects)
    query.get_compiler(connection=connection).execute_sql(returning_fields=None)


def rows(connection, queryset) -> list[tuple]:
    return list(queryset.query.get_compiler(connection=connection).results_iter())


@pytest.fixture
def part_paid(customer_account, customer):
    """A French invoice of 219.90 net (263.88 gross), of which 240.08 was paid: 23.80 still due."""
    invoice = issue_invoice(customer_account, unit_price="219.90")
    invoice_pay(invoice=invoice, amount=Decimal("240.08"), received_on=timezone.localdate(), by=None)
    return invoice


def test_amounts_computed_on_sqlite_come_back_in_cents_and_are_shown_with_cents(sqlite, part_paid):
    copy_rows(sqlite, Invoice, [part_paid])
    copy_rows(sqlite, Payment, list(part_paid.payments.all()))

    ((paid, due),) = rows(
        sqlite, with_amounts(Invoice.objects.filter(pk=part_paid.pk)).values_list("amount_paid", "amount_due")
    )

    # SQLite computes in floats (23.8000000000000); with_amounts hands back cents on every database.
    assert (paid, due) == (Decimal("240.08"), Decimal("23.80")) and str(due) == "23.80"
    assert format_money(due, "EUR", language="fr") == f"23,80{NBSP}€"
    assert format_money(paid, "EUR", language="de") == f"240,08{NBSP}€"
    assert csv_cell(due, decimal_comma=True) == "23,80"
    # The same invoice in the suite's own database is shown the same way.
    stored = with_amounts(Invoice.objects.filter(pk=part_paid.pk)).get()
    assert format_money(stored.amount_due, "EUR", language="fr") == format_money(due, "EUR", language="fr")


def test_the_receivables_sums_on_sqlite_are_shown_with_cents(sqlite, part_paid):
    copy_rows(sqlite, Invoice, [part_paid])
    copy_rows(sqlite, Payment, list(part_paid.payments.all()))

    # The receivables report's sums, compiled for SQLite (its SQL, its converters): currency, then each
    # bucket's amount and count.
    ((currency, *sums),) = rows(sqlite, receivables_open_sums(today=timezone.localdate()))
    amounts = [value for value in sums if isinstance(value, Decimal)]

    assert currency == "EUR" and Decimal("23.80") in amounts
    shown = [format_money(amount, currency, language="fr") for amount in amounts]
    assert f"23,80{NBSP}€" in shown
    assert all(re.fullmatch(r"\d+,\d\d\u00a0€", text) for text in shown), shown  # cents, every one
