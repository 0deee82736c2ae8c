"""The customer deciding twice at once, or revoking while staff act: one wins, the other sees the new state."""

import pytest

from consent.models import AccessRequest, AuditEntry, Intervention
from tests.concurrency import run_together
from tests.consent.drive import act, ask, decide, granted, technical_ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def statuses(results) -> list[int]:
    return sorted(response.status_code for response in results)


@pytest.mark.parametrize(("first", "second"), [("grant", "deny"), ("grant", "grant"), ("deny", "deny")])
def test_two_answers_at_once_one_wins_the_other_is_409(customer, agent, first, second):
    ticket = technical_ticket(customer)
    request = ask(agent, ticket["id"])
    results = run_together(
        lambda: decide(customer, request["id"], first), lambda: decide(customer, request["id"], second)
    )
    assert statuses(results) == [200, 409]
    loser = next(response for response in results if response.status_code == 409)
    assert loser.json()["code"] == "invalid_transition"
    answers = AuditEntry.objects.filter(event__in=["access_granted", "access_denied"])
    assert answers.count() == 1


def test_two_revokes_at_once_revoke_once(customer, agent):
    ticket = technical_ticket(customer)
    grant = granted(customer, agent, ticket["id"])
    results = run_together(
        lambda: decide(customer, grant["id"], "revoke"), lambda: decide(customer, grant["id"], "revoke")
    )
    assert statuses(results) == [200, 409]
    assert AccessRequest.objects.get(pk=grant["id"]).status == "revoked"
    assert AuditEntry.objects.filter(event="access_revoked").count() == 1


def test_a_revocation_and_an_intervention_at_once_never_overlap(customer, agent):
    ticket = technical_ticket(customer)
    grant = granted(customer, agent, ticket["id"])
    revoke, work = run_together(
        lambda: decide(customer, grant["id"], "revoke"), lambda: act(agent, ticket["id"], "read_data")
    )
    assert revoke.status_code == 200
    assert work.status_code in (201, 403)
    # Whichever came first, the log shows the work strictly before the revocation, or refused after it.
    expected = {
        201: ([("intervention", "done"), ("access_revoked", "done")], 1),
        403: ([("access_revoked", "done"), ("intervention", "refused")], 0),
    }[work.status_code]
    events = list(
        AuditEntry.objects.filter(ticket_id=ticket["id"]).order_by("id").values_list("event", "outcome")
    )[2:]
    assert (events, Intervention.objects.count()) == expected
    assert act(agent, ticket["id"], "read_data").status_code == 403
