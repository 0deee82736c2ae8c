"""The invoice representation written out by hand gives what DRF's generic walk over the declared
fields gives: open, partly paid, paid, refused and lapsed (with their credit notes)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import selectors
from billing.api import InvoiceOutput
from billing.services import invoice_lapse, invoice_pay, invoice_refuse
from tests.billing.conftest import issue_invoice
from tests.representation import generic

pytestmark = pytest.mark.django_db


def test_the_same_representation_as_drfs_generic_one(customer_account, customer, finance):
    today = timezone.localdate()
    issue_invoice(customer_account)
    partly = issue_invoice(customer_account, unit_price="33.33")
    invoice_pay(invoice=partly, amount=Decimal("10.01"), received_on=today, by=finance)
    paid = issue_invoice(customer_account)
    invoice_pay(invoice=paid, amount=paid.gross, received_on=today, by=finance)
    invoice_refuse(invoice=issue_invoice(customer_account), reason="Not my server", by=customer)
    lapsed = issue_invoice(customer_account)
    with time_machine.travel(lapsed.due_on + timedelta(days=1), tick=False):  # its credit note: another day
        invoice_lapse(invoice=lapsed, today=timezone.localdate())

    invoices = list(selectors.invoices_for_api(user=finance).order_by("id"))
    assert len(invoices) == 5 and sum(1 for i in invoices if hasattr(i, "credit_note")) == 2
    for invoice in invoices:
        assert InvoiceOutput(invoice).data == generic(InvoiceOutput, invoice), invoice.status
