"""Fixtures of the payment, refusal, ban and deadline tests."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.services import LineSpec, invoice_issue


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
