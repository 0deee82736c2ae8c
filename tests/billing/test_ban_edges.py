"""A ban at the edges: pending when finance reinstates, applied while a ticket is being opened; and the ban
path, refusal → ban → tickets cancelled → consent ended → e-mails, one signal and one receiver a step."""

import pytest

from accounts.models import Customer
from billing.models import BanEvent
from billing.services import ban_apply, customer_reinstate, invoice_refuse
from billing.signals import customers_banned
from config.errors import SupportBanned
from consent.models import AccessRequest
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.consent.drive import ask
from tests.workflow import open_incident
from tickets.models import Ticket
from tickets.services import ticket_open
from tickets.signals import sla_claims_forfeited, tickets_ended

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


@pytest.fixture
def announced_bans():
    """The account ids of every customers_banned signal sent during the test."""
    announced = []

    def listen(sender, customer_ids, **kwargs):
        announced.append(sorted(customer_ids))

    customers_banned.connect(listen, weak=False, dispatch_uid="tests.billing.announced_bans")
    yield announced
    customers_banned.disconnect(dispatch_uid="tests.billing.announced_bans")


@pytest.mark.usefixtures("celery_eager")
def test_the_ban_path_from_refusal_to_emails(
    customer, agent, announced_bans, django_capture_on_commit_callbacks
):
    account = customer.customer
    waiting = open_incident(customer)
    asked = ask(agent, waiting["id"])
    first, second = issue_invoice(account), issue_invoice(account)

    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=first, reason="No", by=customer)

    assert announced_bans == [[account.pk]]  # by the one function that bans, once
    assert Customer.objects.get(pk=account.pk).is_banned
    assert Ticket.objects.get(pk=waiting["id"]).status == Ticket.State.CANCELLED
    assert AccessRequest.objects.get(pk=asked["id"]).status == AccessRequest.State.EXPIRED
    ban = BanEvent.objects.get(invoice=first)
    assert SentEmail.objects.filter(kind="account_banned", object_id=ban.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        invoice_refuse(invoice=second, reason="Still no", by=customer)
    assert announced_bans == [[account.pk]]  # banned already: history only, nobody told again


def test_each_step_of_the_ban_path_has_one_receiver():
    assert len(customers_banned.receivers) == 1
    assert len(tickets_ended.receivers) == 1
    assert len(sla_claims_forfeited.receivers) == 1
