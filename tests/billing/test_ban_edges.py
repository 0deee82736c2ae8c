"""A ban at the edges: pending when finance reinstates, applied while a ticket is being opened."""

import pytest

from accounts.models import Customer
from billing.models import BanEvent
from billing.services import ban_apply, customer_reinstate, invoice_refuse
from config.errors import SupportBanned
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tickets.models import Ticket
from tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def test_reinstatement_covers_a_ban_still_pending_from_before_it(customer, finance):
    account = customer.customer
    first, second = issue_invoice(account), issue_invoice(account)
    invoice_refuse(invoice=first, reason="Not my fault", by=customer)
    ban_apply(ban=BanEvent.objects.get(invoice=first))
    invoice_refuse(invoice=second, reason="Not mine either", by=customer)  # its ban is still pending
    customer_reinstate(customer=account, reason="Settled by phone", by=finance)
    pending = BanEvent.objects.get(invoice=second)
    assert pending.applied_at is not None and pending.changed_status is False
    ban_apply(ban=pending)
    assert Customer.objects.get(pk=account.pk).support_status == Customer.SupportStatus.ACTIVE


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_ticket_opened_while_the_ban_is_applied_never_stays_open(customer):
    account = customer.customer
    invoice = issue_invoice(account)
    invoice_refuse(invoice=invoice, reason="No", by=customer)
    ban = BanEvent.objects.get(invoice=invoice)
    customer = type(customer).objects.select_related("customer").get(pk=customer.pk)

    def open_question():
        return ticket_open(by=customer, kind="technical", subject="s", description="d")

    results = run_together(lambda: ban_apply(ban=ban), open_question)
    assert not isinstance(results[0], Exception), results[0]
    assert isinstance(results[1], (Ticket, SupportBanned)), results[1]
    assert not Ticket.objects.filter(customer=account, status=Ticket.State.OPEN).exists()
