"""SLA claims through the API: the customer claims, support grants or refuses, the credit note and the refund
follow; a banned account loses every claim; bad input is a clear 4xx that changes nothing."""

from decimal import Decimal

import pytest

from billing.models import CreditNote, Refund
from credits.models import SlaCredit
from tests.credits.conftest import claim_payload, grant, open_claim, refuse
from tests.factories import ServiceFactory
from tests.tickets.test_messages_of_banned_accounts import ban
from tests.workflow import API, client_for
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_granted_claim_issues_an_sla_credit_note_owed_back_to_the_customer(customer, agent, sla_service):
    claim = open_claim(customer, sla_service, hours=3)
    assert claim["outage_started_at"] and claim["outage_ended_at"] and claim["sla_credit"] is None

    response = grant(agent, claim["id"], hours="2.5")

    assert response.status_code == 200, response.content
    body = response.json()
    # 2.5 h × 5 % = 12.5 % of 120.00 = 15.00 net; French VAT on top.
    assert body["status"] == "granted" and body["refusal"] is None
    assert (body["hours"], body["percent_per_hour"], body["cap_percent"]) == ("2.50", "5.00", "50.00")
    assert (body["percent"], body["monthly_price"], body["amount"], body["currency"]) == (
        "12.5000",
        "120.00",
        "15.00",
        "EUR",
    )
    note = CreditNote.objects.get(pk=body["credit_note"]["id"])
    assert note.kind == CreditNote.Kind.SLA_CREDIT and note.invoice is None
    assert note.number.startswith("FR-") and "-C" in note.number  # the credit note series
    assert (note.net, note.vat, note.gross) == (Decimal("15.00"), Decimal("3.00"), Decimal("18.00"))
    assert body["credit_note"]["gross"] == "18.00"
    assert "web-01.example.net" in note.description and "2,5" in note.description  # in the account's French
    refund = Refund.objects.get(credit_note=note)
    assert (refund.amount, refund.status, refund.invoice_id) == (Decimal("18.00"), Refund.State.OWED, None)
    ticket = Ticket.objects.get(pk=claim["id"])
    assert ticket.status == Ticket.State.CLOSED and note.number in ticket.answer

    seen = client_for(customer).get(f"{API}/tickets/{claim['id']}/").json()
    assert seen["sla_credit"]["id"] == body["id"] and seen["status"] == "closed"
    listed = client_for(customer).get(f"{API}/sla-credits/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert client_for(customer).get(f"{API}/credit-notes/{note.pk}/pdf/").status_code == 200


def test_finance_sees_the_sla_credit_among_the_refunds_owed(customer, agent, finance, sla_service):
    claim = open_claim(customer, sla_service)
    credit = grant(agent, claim["id"]).json()

    rows = client_for(finance).get(f"{API}/refunds/").json()["results"]

    assert [
        (row["invoice"], row["credit_note"], row["credit_note_number"], row["amount"]) for row in rows
    ] == [(None, credit["credit_note"]["id"], credit["credit_note"]["number"], "21.60")]


def test_a_refused_claim_tells_the_customer_why_and_issues_nothing(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)

    response = refuse(agent, claim["id"])

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "refused" and response.json()["refusal"] == "not_covered"
    assert response.json()["reason"].startswith("The outage was planned")
    assert not CreditNote.objects.exists() and not Refund.objects.exists()
    assert "planned maintenance" in Ticket.objects.get(pk=claim["id"]).answer


def test_a_banned_account_cannot_open_a_claim(customer, sla_service):
    ban(customer)

    response = client_for(customer).post(f"{API}/tickets/", claim_payload(sla_service), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "support_banned"
    assert not Ticket.objects.filter(kind="sla_claim").exists()


def test_a_claim_of_an_account_banned_meanwhile_is_refused_for_the_ban(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)
    ban(customer)  # the ban's slow part (cancelling open tickets) has not run: the claim is still open

    response = grant(agent, claim["id"])

    assert response.status_code == 403
    assert (
        response.json()["code"] == "support_banned" and "loses every SLA claim" in response.json()["detail"]
    )
    assert response.json()["sla_credit"]["status"] == "refused"
    assert response.json()["sla_credit"]["refusal"] == "support_banned"
    credit = SlaCredit.objects.get(ticket_id=claim["id"])
    assert credit.status == SlaCredit.Status.REFUSED and credit.credit_note is None
    assert not CreditNote.objects.filter(kind="sla_credit").exists()
    # In the account's French, its answer names the ban.
    assert "exclu du support" in Ticket.objects.get(pk=claim["id"]).answer
    # Assessed once: a second try is a 409.
    assert grant(agent, claim["id"]).status_code == 409


def test_a_refusal_of_a_banned_accounts_claim_names_the_ban(customer, agent, sla_service):
    claim = open_claim(customer, sla_service)
    ban(customer)

    response = refuse(agent, claim["id"], reason="whatever")

    assert response.status_code == 200 and response.json()["refusal"] == "support_banned"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("no_sla", "service"),
        ("other_account", "service"),
        ("end_before_start", "outage_ended_at"),
        ("in_the_future", "outage_ended_at"),
        ("only_start", "outage_ended_at"),
        ("period_on_a_question", "outage_started_at"),
    ],
)
def test_a_claim_that_names_what_it_may_not_is_a_400_on_the_field(
    change, field, customer, other_customer, sla_service, plain_service
):
    payload = claim_payload(sla_service)
    if change == "no_sla":
        payload["service"] = plain_service.pk
    elif change == "other_account":
        payload["service"] = ServiceFactory(customer=other_customer.customer, has_sla=True).pk
    elif change == "end_before_start":
        payload["outage_started_at"], payload["outage_ended_at"] = (
            payload["outage_ended_at"],
            payload["outage_started_at"],
        )
    elif change == "in_the_future":
        payload["outage_ended_at"] = "2999-01-01T00:00:00Z"
    elif change == "only_start":
        del payload["outage_ended_at"]
    else:
        payload["kind"] = "technical"

    response = client_for(customer).post(f"{API}/tickets/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_a_claim_without_a_period_or_service_still_opens_as_the_contract_says(customer):
    response = client_for(customer).post(
        f"{API}/tickets/", {"kind": "sla_claim", "subject": "s", "description": "d"}, format="json"
    )

    assert response.status_code == 201 and response.json()["outage_started_at"] is None


@pytest.mark.parametrize(
    ("hours", "status_code"),
    [("0", 400), ("-1", 400), ("3.001", 400), ("745", 400), ("4", 400), ("abc", 400), ("3", 200)],
)
def test_the_hours_confirmed_are_positive_to_the_hundredth_and_at_most_the_period_claimed(
    hours, status_code, customer, agent, sla_service
):
    claim = open_claim(customer, sla_service, hours=3)

    response = grant(agent, claim["id"], hours=hours)

    assert response.status_code == status_code, response.content
    assert CreditNote.objects.exists() == (status_code == 200)


def test_a_claim_without_a_service_under_an_sla_cannot_be_granted_only_refused(customer, agent):
    claim = (
        client_for(customer)
        .post(f"{API}/tickets/", {"kind": "sla_claim", "subject": "s", "description": "d"}, format="json")
        .json()
    )

    assert grant(agent, claim["id"]).status_code == 400
    assert not SlaCredit.objects.exists() and Ticket.objects.get(pk=claim["id"]).status == "open"
    assert refuse(agent, claim["id"]).status_code == 200


def test_only_an_open_sla_claim_is_assessed(customer, agent, sla_service):
    question = (
        client_for(customer)
        .post(f"{API}/tickets/", {"kind": "technical", "subject": "s", "description": "d"}, format="json")
        .json()
    )
    claim = open_claim(customer, sla_service)
    assert refuse(agent, claim["id"]).status_code == 200

    assert grant(agent, question["id"]).status_code == 404  # not a claim
    assert grant(agent, claim["id"]).status_code == 409  # assessed already
    assert refuse(agent, claim["id"]).status_code == 409
    assert client_for(customer).post(f"{API}/tickets/{claim['id']}/cancel/").status_code == 409


@pytest.mark.parametrize("role", ["customer", "finance"])
def test_only_support_assesses_a_claim(role, customer, finance, sla_service):
    claim = open_claim(customer, sla_service)
    caller = {"customer": customer, "finance": finance}[role]

    response = grant(caller, claim["id"])

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not SlaCredit.objects.exists()


def test_a_customer_sees_only_its_own_credits(customer, other_customer, agent, sla_service):
    credit = grant(agent, open_claim(customer, sla_service)["id"]).json()

    assert client_for(other_customer).get(f"{API}/sla-credits/").json()["results"] == []
    assert client_for(other_customer).get(f"{API}/sla-credits/{credit['id']}/").status_code == 404
    assert client_for(customer).get(f"{API}/sla-credits/{credit['id']}/").json()["id"] == credit["id"]
    assert (
        client_for(other_customer).get(f"{API}/credit-notes/{credit['credit_note']['id']}/pdf/").status_code
        == 404
    )


def test_the_credits_list_filters_and_its_queries_do_not_grow(
    customer, agent, finance, sla_service, django_assert_max_num_queries
):
    for _ in range(3):
        grant(agent, open_claim(customer, sla_service)["id"])
    refuse(agent, open_claim(customer, sla_service)["id"])

    with django_assert_max_num_queries(6):
        granted = client_for(finance).get(f"{API}/sla-credits/?status=granted")
    assert [row["status"] for row in granted.json()["results"]] == ["granted"] * 3
    assert client_for(finance).get(f"{API}/sla-credits/?status=nonsense").status_code == 400
    with django_assert_max_num_queries(6):
        assert client_for(customer).get(f"{API}/sla-credits/").status_code == 200
