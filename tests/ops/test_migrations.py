"""Issue 13 moved models between apps with state-only migrations: every row written before the move is
still there, read through the models' new homes, and the moves undo and redo cleanly (the test goes back to the graph before them, writes, and comes back)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The graph just before the moves: SentEmail and StoredDocument in billing, consent in diagnostics, and
# Invoice.ticket a foreign key.
BEFORE = [
    ("billing", "0006_invoice_guard_without_json"),
    ("diagnostics", "0002_consent"),
    ("tickets", "0004_customer_status_index"),
    ("outbox", None),
    ("documents", None),
    ("consent", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    # A squashed migration (django-otp-webauthn ships one) is recorded with the ones it replaces, which
    # are no longer nodes of the graph once it stands for them.
    graph = executor.loader.graph
    return executor.loader.project_state(
        [key for key in executor.loader.applied_migrations if key in graph.nodes]
    ).apps


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # The moves rename content types back and forth; the cache must not outlive them.
    from django.contrib.contenttypes.models import ContentType

    yield
    ContentType.objects.clear_cache()


def leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_moves_are_read_through_the_new_apps():
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.create(email="agent@example.fr", role="agent")
    customer = old.get_model("accounts", "Customer").objects.create(name="Boulangerie", country="FR")
    ticket = old.get_model("tickets", "Ticket").objects.create(
        customer=customer, opened_by=user, kind="technical", subject="DNS", description="?"
    )
    entity = old.get_model("accounts", "BillingEntity").objects.get(country="FR")
    invoice = old.get_model("billing", "Invoice").objects.create(
        entity=entity,
        customer=customer,
        ticket=ticket,
        number="FR-2026-999999",
        issued_on=date(2026, 1, 2),
        due_on=date(2026, 2, 1),
        service_date=date(2026, 1, 2),
        net=Decimal("20.00"),
        vat_rate=Decimal("20.00"),
        vat=Decimal("4.00"),
        gross=Decimal("24.00"),
        currency="EUR",
        customer_name="Boulangerie",
    )
    email = old.get_model("billing", "SentEmail").objects.create(
        kind="invoice_issued", object_id=invoice.pk, customer=customer
    )
    document = old.get_model("billing", "StoredDocument").objects.create(
        kind="invoice", object_id=invoice.pk, content=b"%PDF-", sha256="0" * 64
    )
    request = old.get_model("diagnostics", "AccessRequest").objects.create(
        ticket=ticket,
        scope="read_data",
        reason="logs",
        duration_hours=2,
        requested_by=user,
        requested_at=timezone.now(),
    )

    migrate(leaves())

    from billing.models import Invoice
    from consent.models import AccessRequest
    from documents.models import StoredDocument
    from outbox.models import SentEmail
    from tickets.models import Ticket

    assert Invoice.objects.get(pk=invoice.pk).ticket_id == ticket.pk
    assert Ticket.objects.get(pk=ticket.pk).invoice_ids == [invoice.pk]
    assert SentEmail.objects.get(pk=email.pk).kind == "invoice_issued"
    assert bytes(StoredDocument.objects.get(pk=document.pk).content) == b"%PDF-"
    assert AccessRequest.objects.get(pk=request.pk).ticket_id == ticket.pk
    assert not MigrationExecutor(connection).migration_plan(leaves())  # back at the end of the graph
