import pytest
import time_machine
from django.utils import timezone

from billing.models import Invoice
from quotes.models import Quote
from quotes.services import quote_expire, quotes_past_validity
from tests.workflow import API, client_for, diagnosed, invoice

pytestmark = pytest.mark.django_db


def accept(user, quote_id):
    return client_for(user).post(f"{API}/quotes/{quote_id}/accept/")


def test_accepting_starts_the_work_at_once_without_payment(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    response = accept(customer, ticket["quote"]["id"])
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["accepted_at"] is not None
    after = client_for(customer).get(f"{API}/tickets/{ticket['id']}/").json()
    assert after["status"] == "in_work"
    assert after["invoices"] == []


def test_completing_the_work_bills_the_fee_and_the_quote_on_one_invoice(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    accept(customer, ticket["quote"]["id"])
    done = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/complete-work/", {"report": "Disks replaced"}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"
    [invoice_id] = done.json()["invoices"]
    bill = invoice(customer, invoice_id)
    assert [line["description"] for line in bill["lines"]] == [
        f"Diagnostic d’incident, ticket n°\u00a0{ticket['id']}",
        "Replace disk",
        "Labour",
    ]
    assert (bill["net"], bill["vat"], bill["gross"]) == ("209.90", "41.98", "251.88")
    assert Quote.objects.get().invoice_id == invoice_id


def test_free_period_ticket_pays_only_the_quote_when_work_is_complete(customer, agent, admin_user):
    today = str(timezone.localdate())
    client_for(admin_user).post(
        f"{API}/pricing/free-periods/", {"starts_on": today, "ends_on": today, "countries": []}, format="json"
    )
    ticket = diagnosed(customer, agent, "quoted")
    assert ticket["diagnosis_fee"]["free"] is True
    accept(customer, ticket["quote"]["id"])
    done = client_for(agent).post(
        f"{API}/tickets/{ticket['id']}/complete-work/", {"report": "ok"}, format="json"
    )
    bill = invoice(customer, done.json()["invoices"][0])
    assert [line["description"] for line in bill["lines"]] == ["Replace disk", "Labour"]
    assert bill["net"] == "189.90"


def test_declining_closes_the_ticket_and_bills_the_fee(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    response = client_for(customer).post(f"{API}/quotes/{ticket['quote']['id']}/decline/")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    after = client_for(customer).get(f"{API}/tickets/{ticket['id']}/").json()
    assert after["status"] == "closed"
    [invoice_id] = after["invoices"]
    assert invoice(customer, invoice_id)["gross"] == "24.00"


def test_quote_cannot_be_accepted_after_its_last_valid_day(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    with time_machine.travel(timezone.now() + timezone.timedelta(days=15)):
        response = accept(customer, ticket["quote"]["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    with time_machine.travel(timezone.now() + timezone.timedelta(days=14)):
        assert accept(customer, ticket["quote"]["id"]).status_code == 200


def test_expiry_closes_the_ticket_and_bills_the_fee_once(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    with time_machine.travel(timezone.now() + timezone.timedelta(days=15)):
        [quote] = quotes_past_validity(today=timezone.localdate())
        quote_expire(quote=quote)
        assert list(quotes_past_validity(today=timezone.localdate())) == []
    after = client_for(customer).get(f"{API}/tickets/{ticket['id']}/").json()
    assert after["status"] == "closed" and after["quote"]["status"] == "expired"
    assert Invoice.objects.filter(ticket_id=ticket["id"]).count() == 1


def test_a_quote_still_valid_does_not_expire(customer, agent):
    from django_fsm import TransitionNotAllowed

    diagnosed(customer, agent, "quoted")
    with pytest.raises(TransitionNotAllowed):
        quote_expire(quote=Quote.objects.get())


@pytest.mark.parametrize("first", ["accept", "decline"])
def test_a_decided_quote_cannot_be_decided_again(customer, agent, first):
    ticket = diagnosed(customer, agent, "quoted")
    client = client_for(customer)
    assert client.post(f"{API}/quotes/{ticket['quote']['id']}/{first}/").status_code == 200
    for action in ("accept", "decline"):
        response = client.post(f"{API}/quotes/{ticket['quote']['id']}/{action}/")
        assert response.status_code == 409
    assert Invoice.objects.count() == (1 if first == "decline" else 0)


def test_quotes_are_the_customers_own(customer, other_customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    assert accept(other_customer, ticket["quote"]["id"]).status_code == 404
    assert client_for(other_customer).get(f"{API}/quotes/{ticket['quote']['id']}/").status_code == 404
    assert accept(agent, ticket["quote"]["id"]).status_code == 403
    assert client_for(customer).get(f"{API}/quotes/{ticket['quote']['id']}/").json()["ticket"] == ticket["id"]


def test_work_is_completed_only_in_work_and_by_staff(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    url = f"{API}/tickets/{ticket['id']}/complete-work/"
    assert client_for(agent).post(url, {"report": "r"}, format="json").status_code == 409
    accept(customer, ticket["quote"]["id"])
    assert client_for(customer).post(url, {"report": "r"}, format="json").status_code == 403
    assert client_for(agent).post(url, {"report": ""}, format="json").status_code == 400
    assert client_for(agent).post(url, {"report": "r"}, format="json").status_code == 200
    assert client_for(agent).post(url, {"report": "r"}, format="json").status_code == 409
    assert Invoice.objects.count() == 1
