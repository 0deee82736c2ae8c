"""Fixtures of the payment, refusal, ban and deadline tests."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.services import LineSpec, invoice_issue


@pytest.fixture
def celery_eager():
    """Tasks enqueued after commit run in the test's thread instead of reaching a broker.

    The after-commit path itself is tested with a real worker in test_worker.py.
    """
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def issue_invoice(customer_account, unit_price: str = "20.00"):
    """An open invoice of one line; in France (VAT 20 %) 20.00 net is 24.00 gross."""
    return invoice_issue(
        customer=customer_account,
        lines=[
            LineSpec(description="Incident diagnosis", quantity=Decimal("1"), unit_price=Decimal(unit_price))
        ],
        service_date=timezone.localdate(),
    )


@pytest.fixture
def invoice(customer_account, customer):
    return issue_invoice(customer_account)
