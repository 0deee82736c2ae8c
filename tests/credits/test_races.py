"""Two people assessing one SLA claim at once: one success, one 409, one credit note."""

import pytest

from billing.models import CreditNote
from credits.models import SlaCredit
from tests.concurrency import run_together
from tests.credits.conftest import grant, open_claim, refuse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres", "celery_eager")]


def test_two_agents_granting_at_once_get_one_credit_and_one_409(customer, agent, other_agent, sla_service):
    claim = open_claim(customer, sla_service)

    results = run_together(lambda: grant(agent, claim["id"]), lambda: grant(other_agent, claim["id"]))

    assert sorted(result.status_code for result in results) == [200, 409]
    assert CreditNote.objects.filter(kind="sla_credit").count() == 1 and SlaCredit.objects.count() == 1


def test_a_grant_and_a_refusal_at_once_give_one_assessment(customer, agent, other_agent, sla_service):
    claim = open_claim(customer, sla_service)

    results = run_together(lambda: grant(agent, claim["id"]), lambda: refuse(other_agent, claim["id"]))

    assert sorted(result.status_code for result in results) == [200, 409]
    assert SlaCredit.objects.count() == 1
