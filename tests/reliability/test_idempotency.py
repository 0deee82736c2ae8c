"""REL-01, REL-02: an Idempotency-Key makes a retried money action return its first answer, once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.idempotency import idempotency_records_purge
from accounts.models import IdempotencyRecord
from billing.models import BanEvent, CreditNote, Payment
from quotes.models import Quote
from tests.concurrency import run_together
from tests.workflow import API, client_for, diagnosed
from tickets.models import TicketEvent


def accept(user, quote_id, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client_for(user).post(f"{API}/quotes/{quote_id}/accept/", headers=headers)


def acceptances(ticket_id) -> int:
    return TicketEvent.objects.filter(ticket_id=ticket_id, verb=TicketEvent.Verb.QUOTE_ACCEPTED).count()


@pytest.fixture
def quoted(customer, agent):
    return diagnosed(customer, agent, "quoted")


def test_a_retry_with_the_same_key_replays_the_first_answer_without_acting_again(customer, quoted):
    first = accept(customer, quoted["quote"]["id"], key="accept-1")
    again = accept(customer, quoted["quote"]["id"], key="accept-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert acceptances(quoted["id"]) == 1


def test_without_a_key_the_retry_is_a_conflict(customer, quoted):
    assert accept(customer, quoted["quote"]["id"]).status_code == 200
    assert accept(customer, quoted["quote"]["id"]).status_code == 409


def test_the_same_key_on_another_quote_is_a_422_and_leaves_it_sent(customer, agent, quoted):
    second = diagnosed(customer, agent, "quoted")
    accept(customer, quoted["quote"]["id"], key="k")
    response = accept(customer, second["quote"]["id"], key="k")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Quote.objects.get(pk=second["quote"]["id"]).status == Quote.State.SENT


def test_keys_are_per_user(customer, other_customer, agent, quoted):
    theirs = diagnosed(other_customer, agent, "quoted")
    assert accept(customer, quoted["quote"]["id"], key="same").status_code == 200
    response = accept(other_customer, theirs["quote"]["id"], key="same")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers
    assert acceptances(theirs["id"]) == 1


def test_a_failed_attempt_stores_nothing_so_the_key_stays_usable(customer, quoted):
    quote = Quote.objects.get(pk=quoted["quote"]["id"])
    with time_machine.travel(quote.valid_until + timedelta(days=2)):
        assert accept(customer, quote.pk, key="late").status_code == 409
    assert not IdempotencyRecord.objects.exists()
    assert accept(customer, quote.pk, key="late").status_code == 200


@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 256])
def test_a_malformed_key_is_a_400_and_changes_nothing(customer, quoted, key):
    response = accept(customer, quoted["quote"]["id"], key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert acceptances(quoted["id"]) == 0


def test_answers_are_kept_a_day_then_purged(customer, quoted):
    accept(customer, quoted["quote"]["id"], key="old")
    assert idempotency_records_purge(now=timezone.now() + timedelta(hours=23)) == 0
    assert accept(customer, quoted["quote"]["id"], key="old").status_code == 200
    assert idempotency_records_purge(now=timezone.now() + timedelta(hours=25)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_ten_concurrent_replays_have_one_effect_and_one_answer(customer, agent):
    ticket = diagnosed(customer, agent, "quoted")
    results = run_together(*[lambda: accept(customer, ticket["quote"]["id"], key="burst")] * 10)
    assert [r.status_code for r in results] == [200] * 10, [getattr(r, "content", r) for r in results]
    assert len({r.content for r in results}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in results) == 1
    assert acceptances(ticket["id"]) == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.fixture
def invoice_id(customer, agent):
    return diagnosed(customer, agent, "fixed")["invoices"][0]


def pay(user, invoice_id, amount="1.00", key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client_for(user).post(
        f"{API}/invoices/{invoice_id}/payments/",
        {"amount": amount, "reference": "SEPA 1"},
        format="json",
        headers=headers,
    )


def test_a_retried_payment_is_recorded_once(finance, invoice_id):
    first = pay(finance, invoice_id, key="bank-line-1")
    again = pay(finance, invoice_id, key="bank-line-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Payment.objects.filter(invoice_id=invoice_id).count() == 1


def test_a_payment_key_reused_for_another_amount_is_a_422(finance, invoice_id):
    pay(finance, invoice_id, amount="1.00", key="bank-line-2")
    assert pay(finance, invoice_id, amount="2.00", key="bank-line-2").status_code == 422
    assert Payment.objects.filter(invoice_id=invoice_id).count() == 1


def test_a_retried_refusal_issues_one_credit_note(customer, invoice_id):
    url = f"{API}/invoices/{invoice_id}/refuse/"
    responses = [
        client_for(customer).post(
            url, {"reason": "Never asked"}, format="json", headers={"Idempotency-Key": "refuse-1"}
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert CreditNote.objects.filter(invoice_id=invoice_id).count() == 1
    assert BanEvent.objects.filter(invoice_id=invoice_id).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_ten_concurrent_payment_replays_record_one_payment(customer, agent, finance):
    invoice_id = diagnosed(customer, agent, "fixed")["invoices"][0]
    results = run_together(*[lambda: pay(finance, invoice_id, key="burst")] * 10)
    assert [r.status_code for r in results] == [201] * 10, [getattr(r, "content", r) for r in results]
    assert len({r.content for r in results}) == 1
    assert Payment.objects.filter(invoice_id=invoice_id).count() == 1


def test_the_daily_purge_is_scheduled_and_runs_the_purge(customer, quoted):
    from accounts.tasks import idempotency_records_purge_task
    from config.celery import app

    accept(customer, quoted["quote"]["id"], key="to-purge")
    entry = app.conf.beat_schedule["purge-idempotency-records-daily"]
    assert entry["task"] == idempotency_records_purge_task.name
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert idempotency_records_purge_task() == 1
    assert not IdempotencyRecord.objects.exists()
