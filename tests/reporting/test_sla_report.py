"""The response SLA report: first responses and diagnosis starts on time, late and pending, per month of
opening and kind (GET /api/v1/reports/sla/ and finance's receivables page)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import api_for
from tests.portals import browser, incident
from tickets.services import message_post, ticket_cancel, ticket_close, ticket_open, ticket_start_diagnosis

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)


@pytest.fixture
def history(customer, agent):
    """November: one incident answered on time and started late, one answered late; a question answered on
    time, one cancelled before its due time (counted nowhere). December: one incident late and unanswered,
    one still in time."""
    with at(2026, 11, 10, 9, 0):
        on_time, answered_late = incident(customer), incident(customer)
        question = ticket_open(by=customer, kind="technical", subject="s", description="d")
        withdrawn = ticket_open(by=customer, kind="technical", subject="s", description="d")
    with at(2026, 11, 10, 10, 0):
        message_post(ticket=on_time, author=agent, body="Hello")
        ticket_close(ticket=question, answer="Yes.", by=agent)
        ticket_cancel(ticket=withdrawn, by=customer)
    with at(2026, 11, 10, 12, 0):
        ticket_start_diagnosis(
            ticket=answered_late, by=agent
        )  # due at 11:00; its diagnosis at 13:00: in time
    with at(2026, 11, 10, 14, 0):
        ticket_start_diagnosis(ticket=on_time, by=agent)  # its diagnosis was due at 13:00
    with at(2026, 12, 8, 9, 0):
        incident(customer)
    with at(2026, 12, 8, 12, 0):
        incident(customer)


def test_the_report_counts_each_target_on_time_late_and_pending(history, agent):
    with at(2026, 12, 8, 12, 30):
        body = api_for(agent).get("/api/v1/reports/sla/").json()
    assert body["months"] == [
        {
            "month": "2026-12",
            "kind": "incident",
            "first_response": {"on_time": 0, "late": 1, "pending": 1},
            "diagnosis_start": {"on_time": 0, "late": 0, "pending": 2},
        },
        {
            "month": "2026-11",
            "kind": "incident",
            "first_response": {"on_time": 1, "late": 1, "pending": 0},
            "diagnosis_start": {"on_time": 1, "late": 1, "pending": 0},
        },
        {
            "month": "2026-11",
            "kind": "technical",
            "first_response": {"on_time": 1, "late": 0, "pending": 0},
            "diagnosis_start": None,
        },
    ]


def test_the_report_covers_the_months_asked_for(history, finance):
    with at(2026, 12, 8, 12, 30):
        client = api_for(finance)
        assert [row["month"] for row in client.get("/api/v1/reports/sla/?months=1").json()["months"]] == [
            "2026-12"
        ]
        assert client.get("/api/v1/reports/sla/?months=0").status_code == 400
        assert client.get("/api/v1/reports/sla/?months=x").status_code == 400


def test_the_report_is_for_the_staff_only(customer, agent, finance):
    assert api_for(customer).get("/api/v1/reports/sla/").status_code == 403
    assert api_for(agent).get("/api/v1/reports/sla/").status_code == 200
    assert api_for(finance).get("/api/v1/reports/sla/").status_code == 200


def test_finance_sees_the_report_on_the_receivables_page(history, finance):
    with at(2026, 12, 8, 12, 30):
        page = browser(finance).get(reverse("finance:reporting:receivables")).content.decode()
    assert 'id="sla-report"' in page and "2026-11" in page
