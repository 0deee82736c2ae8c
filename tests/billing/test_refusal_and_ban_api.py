"""Refusal, the support ban it causes, what a banned account can still do, and reinstatement."""

import pytest
from django.utils import timezone

from accounts.models import Customer, User
from billing.models import BanEvent, CreditNote, Invoice
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.workflow import API, QUOTE, client_for, conclude, diagnosed, open_incident, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def fresh(user) -> User:
    # What a new request sees: the user and its account as the database has them now.
    return User.objects.select_related("customer").get(pk=user.pk)


def refuse(user, invoice_id, reason="I never asked for this"):
    return client_for(user).post(f"{API}/invoices/{invoice_id}/refuse/", {"reason": reason}, format="json")


def reinstate(user, customer_id, reason="Settled by phone"):
    return client_for(user).post(
        f"{API}/customers/{customer_id}/reinstate/", {"reason": reason}, format="json"
    )


def test_refusal_cancels_the_invoice_with_a_credit_note_and_bans_the_account(
    customer, invoice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = refuse(customer, invoice.pk)
    assert response.status_code == 200
    body = response.json()
    year = timezone.localdate().year
    assert (body["status"], body["amount_due"]) == ("refused", "0.00")
    assert body["credit_note"] == {
        "number": f"FR-{year}-C000001",
        "issued_on": timezone.localdate().isoformat(),
    }
    credit_note = CreditNote.objects.get()
    assert (credit_note.invoice_id, credit_note.gross, credit_note.reason) == (
        invoice.pk,
        invoice.gross,
        "refused",
    )

    account = client_for(customer).get(f"{API}/customers/{customer.customer_id}/").json()
    assert (account["support_status"], account["ban_reason"]) == ("banned", "refused_invoice")
    assert account["banned_at"] is not None
    ban = BanEvent.objects.get()
    assert (ban.kind, ban.reason, ban.invoice_id, ban.actor_id, ban.note, ban.changed_status) == (
        "ban",
        "refused_invoice",
        invoice.pk,
        customer.pk,
        "I never asked for this",
        True,
    )
    assert [m.subject for m in mailoutbox if invoice.number in m.body and "C000001" in m.body]


def test_refusal_bans_at_once_and_leaves_only_the_slow_part_to_its_task(customer, invoice):
    # No on-commit callback runs in this test: the refusal and the ban stand, the task's part waits.
    assert refuse(customer, invoice.pk).status_code == 200
    assert Invoice.objects.get().status == "refused"
    assert Customer.objects.get(pk=customer.customer_id).support_status == "banned"
    assert BanEvent.objects.get().applied_at is None


@pytest.mark.parametrize("first", ["pay", "refuse"])
def test_refusing_an_invoice_that_is_not_open_is_a_409(first, customer, finance, invoice):
    if first == "pay":  # noqa: SIM108 - the parameter names the earlier action
        client_for(finance).post(f"{API}/invoices/{invoice.pk}/payments/", {"amount": "24.00"}, format="json")
    else:
        refuse(customer, invoice.pk)
    response = refuse(customer, invoice.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert CreditNote.objects.count() == (0 if first == "pay" else 1)


def test_another_accounts_invoice_is_a_404(other_customer, invoice):
    assert refuse(other_customer, invoice.pk).status_code == 404


@pytest.mark.parametrize("role", ["finance", "agent", "admin_user"])
def test_only_the_customer_refuses(request, role, invoice):
    assert refuse(request.getfixturevalue(role), invoice.pk).status_code == 403


@pytest.mark.parametrize("reason", ["", None, "x" * 2001])
def test_refusal_needs_a_reason(customer, invoice, reason):
    response = refuse(customer, invoice.pk, reason=reason)
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Invoice.objects.get().status == "open"


def test_ban_cancels_only_tickets_nobody_has_started_on(
    customer, agent, invoice, django_capture_on_commit_callbacks
):
    waiting = open_incident(customer)
    question = (
        client_for(customer)
        .post(
            f"{API}/tickets/", {"kind": "technical", "subject": "DNS?", "description": "How?"}, format="json"
        )
        .json()
    )
    diagnosing = open_incident(customer)
    start(agent, diagnosing["id"])
    quoted = diagnosed(customer, agent, "quoted")
    in_work = diagnosed(customer, agent, "quoted")
    client_for(customer).post(f"{API}/quotes/{in_work['quote']['id']}/accept/")

    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, invoice.pk)

    statuses = {t["id"]: t["status"] for t in client_for(customer).get(f"{API}/tickets/").json()["results"]}
    assert statuses == {
        waiting["id"]: "cancelled",
        question["id"]: "cancelled",
        diagnosing["id"]: "diagnosing",
        quoted["id"]: "quote_sent",
        in_work["id"]: "in_work",
    }
    # What was started runs to its end, and the cancelled ones cost nothing.
    conclude(agent, diagnosing["id"], "quoted", QUOTE)
    assert not Invoice.objects.filter(ticket_id__in=[waiting["id"], question["id"]]).exists()


@pytest.mark.parametrize("kind", ["incident", "technical", "commercial", "sla_claim"])
def test_banned_account_cannot_open_any_kind_of_ticket(
    kind, customer, invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, invoice.pk)
    response = client_for(fresh(customer)).post(
        f"{API}/tickets/",
        {"kind": kind, "subject": "s", "description": "d", "accept_diagnosis_fee": True},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "support_banned"


def test_banned_account_still_reads_its_records(
    customer, agent, admin_user, invoice, django_capture_on_commit_callbacks
):
    client_for(admin_user).post(
        f"{API}/services/", {"customer": customer.customer_id, "name": "srv", "kind": "vps"}, format="json"
    )
    ticket = diagnosed(customer, agent, "quoted")
    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, invoice.pk)
    client = client_for(customer)
    for path in [
        "/tickets/",
        f"/tickets/{ticket['id']}/",
        f"/quotes/{ticket['quote']['id']}/",
        "/invoices/",
        f"/invoices/{invoice.pk}/",
        "/services/",
        f"/customers/{customer.customer_id}/",
        "/me/",
        f"/tickets/{ticket['id']}/messages/",
    ]:
        assert client.get(f"{API}{path}").status_code == 200, path
    # A ticket already under way still runs: the customer may still accept its quote.
    assert client.post(f"{API}/quotes/{ticket['quote']['id']}/accept/").status_code == 200


@pytest.mark.parametrize("role", ["finance", "admin_user"])
def test_finance_or_an_admin_reinstates_and_the_history_keeps_both(
    request, role, customer, invoice, django_capture_on_commit_callbacks, mailoutbox
):
    staff = request.getfixturevalue(role)
    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, invoice.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = reinstate(staff, customer.customer_id)
    assert response.status_code == 200
    assert (
        response.json()["support_status"],
        response.json()["ban_reason"],
        response.json()["banned_at"],
    ) == ("active", None, None)
    history = client_for(staff).get(f"{API}/customers/{customer.customer_id}/bans/").json()["results"]
    assert [(e["kind"], e["reason"], e["invoice"], e["actor"], e["note"]) for e in history] == [
        ("reinstatement", "", None, staff.pk, "Settled by phone"),
        ("ban", "refused_invoice", invoice.pk, customer.pk, "I never asked for this"),
    ]
    opened = client_for(fresh(customer)).post(
        f"{API}/tickets/", {"kind": "technical", "subject": "s", "description": "d"}, format="json"
    )
    assert opened.status_code == 201
    # The relay sends every e-mail waiting, the invoice's own (recorded when the fixture issued it) too.
    sent = SentEmail.objects.filter(sent_at__isnull=False).values_list("kind", flat=True)
    assert sorted(sent) == ["account_banned", "account_reinstated", "invoice_issued"]
    assert len(mailoutbox) == 3


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_agents_and_customers_cannot_reinstate(
    request, role, customer, invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, invoice.pk)
    response = reinstate(request.getfixturevalue(role), customer.customer_id)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Customer.objects.get(pk=customer.customer_id).is_banned


def test_reinstating_an_active_account_is_a_409(finance, customer):
    response = reinstate(finance, customer.customer_id)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_reinstating_an_unknown_account_is_a_404_and_needs_a_reason(finance, customer):
    assert reinstate(finance, customer.customer_id + 1000).status_code == 404
    assert "reason" in reinstate(finance, customer.customer_id, reason="").json()


def test_a_second_refusal_while_banned_is_recorded_without_changing_the_ban(
    customer, customer_account, django_capture_on_commit_callbacks
):
    first, second = issue_invoice(customer_account), issue_invoice(customer_account)
    with django_capture_on_commit_callbacks(execute=True):
        refuse(customer, first.pk)
    banned_at = Customer.objects.get(pk=customer_account.pk).banned_at
    with django_capture_on_commit_callbacks(execute=True):
        assert refuse(customer, second.pk).status_code == 200
    assert Customer.objects.get(pk=customer_account.pk).banned_at == banned_at
    assert list(BanEvent.objects.order_by("id").values_list("invoice_id", "changed_status")) == [
        (first.pk, True),
        (second.pk, False),
    ]
    assert [c.number[-7:] for c in CreditNote.objects.order_by("id")] == ["C000001", "C000002"]


def test_ban_history_is_the_accounts_own(customer, other_customer, finance, agent):
    assert client_for(other_customer).get(f"{API}/customers/{customer.customer_id}/bans/").status_code == 404
    assert client_for(agent).get(f"{API}/customers/{customer.customer_id}/bans/").status_code == 403
    assert client_for(customer).get(f"{API}/customers/{customer.customer_id}/bans/").status_code == 200
