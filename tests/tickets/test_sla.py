"""Response SLAs (issue 16): the business calendar, the due times stamped at opening, what counts as the
first response, the inbox sorted by time left, breaches, and the ticket's `sla` in the API."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import api_for
from tests.portals import browser, incident
from tickets import sla
from tickets.models import Ticket
from tickets.presenters import duration_text, sla_timer
from tickets.services import (
    message_post,
    ticket_cancel,
    ticket_claim,
    ticket_close,
    ticket_note_add,
    ticket_open,
    ticket_start_diagnosis,
)

PARIS, BERLIN = ZoneInfo("Europe/Paris"), ZoneInfo("Europe/Berlin")
HOURS = timedelta(hours=1)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ the calendar


@pytest.mark.parametrize(
    ("start", "hours", "country", "due"),
    [
        pytest.param(paris(2026, 12, 4, 20, 0), 2, "FR", paris(2026, 12, 7, 11, 0), id="friday-evening"),
        pytest.param(paris(2026, 12, 4, 17, 0), 2, "FR", paris(2026, 12, 7, 10, 0), id="over-the-weekend"),
        pytest.param(paris(2026, 12, 5, 11, 0), 2, "FR", paris(2026, 12, 7, 11, 0), id="opened-on-saturday"),
        pytest.param(paris(2026, 12, 8, 7, 0), 2, "FR", paris(2026, 12, 8, 11, 0), id="before-opening"),
        pytest.param(paris(2026, 12, 8, 19, 0), 2, "FR", paris(2026, 12, 9, 11, 0), id="after-closing"),
        pytest.param(paris(2026, 12, 8, 10, 0), 16, "FR", paris(2026, 12, 9, 17, 0), id="several-days"),
        # Thursday 2 April 2026, 17:00: one hour that day, then Good Friday (DE) and Easter Monday (both).
        pytest.param(paris(2026, 4, 2, 17, 0), 2, "FR", paris(2026, 4, 3, 10, 0), id="good-friday-fr"),
        pytest.param(berlin(2026, 4, 2, 17, 0), 2, "DE", berlin(2026, 4, 7, 10, 0), id="good-friday-de"),
        # Victory day, Friday 8 May 2026, is a holiday in France but not in Germany.
        pytest.param(paris(2026, 5, 7, 17, 0), 2, "FR", paris(2026, 5, 11, 10, 0), id="victory-day-fr"),
        pytest.param(berlin(2026, 5, 7, 17, 0), 2, "DE", berlin(2026, 5, 8, 10, 0), id="victory-day-de"),
        # Labour day and Christmas are holidays in both.
        pytest.param(paris(2026, 4, 30, 17, 0), 2, "FR", paris(2026, 5, 4, 10, 0), id="labour-day-fr"),
        pytest.param(berlin(2026, 12, 24, 17, 0), 2, "DE", berlin(2026, 12, 28, 10, 0), id="christmas-de"),
        # Business hours keep to the wall clock across daylight saving changes. Spring: the clocks go
        # forward on Sunday 29 March 2026; Monday opens at 09:00 CEST (07:00 UTC).
        pytest.param(paris(2026, 3, 27, 17, 0), 2, "FR", utc(2026, 3, 30, 8, 0), id="spring-forward"),
        # Autumn: back on Sunday 25 October 2026; Monday opens at 09:00 CET (08:00 UTC).
        pytest.param(paris(2026, 10, 23, 17, 0), 2, "FR", utc(2026, 10, 26, 9, 0), id="autumn-back"),
        # A country without settings of its own takes the default hours. Spain: Paris hours by default, and
        # its own holidays (6 January 2027 is a Wednesday).
        pytest.param(paris(2027, 1, 5, 17, 0), 2, "ES", paris(2027, 1, 7, 10, 0), id="default-hours"),
    ],
)
def test_business_hours_add_up_by_country_calendar(start, hours, country, due):
    assert sla.add_business_time(start, hours * HOURS, country) == due


def test_business_time_between_skips_nights_weekends_and_holidays():
    assert sla.business_time_between(paris(2026, 12, 4, 17, 0), paris(2026, 12, 7, 10, 0), "FR") == 2 * HOURS
    assert sla.business_time_between(paris(2026, 12, 7, 10, 0), paris(2026, 12, 4, 17, 0), "FR") == -2 * HOURS
    assert sla.business_time_between(paris(2026, 12, 5, 10, 0), paris(2026, 12, 6, 18, 0), "FR") == timedelta(
        0
    )
    assert sla.business_time_between(berlin(2026, 4, 2, 17, 0), berlin(2026, 4, 7, 10, 0), "DE") == 2 * HOURS


def test_business_time_between_undoes_add_business_time():
    start = paris(2026, 12, 4, 20, 0)
    for hours in (1, 2, 4, 8, 16, 40):
        due = sla.add_business_time(start, hours * HOURS, "DE")
        assert sla.business_time_between(start, due, "DE") == hours * HOURS


def test_business_hours_are_configurable_per_country(settings):
    settings.SLA_BUSINESS_HOURS = {
        **settings.SLA_BUSINESS_HOURS,
        "DE": {"time_zone": "Europe/Berlin", "opens": "08:00"},
    }
    assert sla.add_business_time(berlin(2026, 12, 8, 7, 0), 2 * HOURS, "DE") == berlin(2026, 12, 8, 10, 0)


# ------------------------------------------------------------------------------------------ at opening


@pytest.mark.django_db
def test_opening_stamps_the_due_times_of_the_kind_in_the_customers_country(customer, other_customer):
    with time_machine.travel(paris(2026, 12, 8, 10, 0), tick=False):
        french = incident(customer)
        german = incident(other_customer)
        question = ticket_open(by=customer, kind="technical", subject="s", description="d")
        commercial = ticket_open(by=customer, kind="commercial", subject="s", description="d")
    assert french.first_response_due_at == paris(2026, 12, 8, 12, 0)
    assert french.diagnosis_due_at == paris(2026, 12, 8, 14, 0)
    assert french.sla_next_due_at == french.first_response_due_at
    # 10:00 in Paris is 10:00 in Berlin too: the same due times, counted in German business hours.
    assert german.first_response_due_at == berlin(2026, 12, 8, 12, 0)
    assert question.first_response_due_at == paris(2026, 12, 8, 18, 0)
    assert question.diagnosis_due_at is None
    assert commercial.first_response_due_at == paris(2026, 12, 9, 17, 0)


@pytest.mark.django_db
def test_the_targets_are_configurable_per_kind(settings, customer):
    settings.SLA_TARGETS = {**settings.SLA_TARGETS, "technical": {"first_response": 1}}
    with time_machine.travel(paris(2026, 12, 8, 10, 0), tick=False):
        question = ticket_open(by=customer, kind="technical", subject="s", description="d")
    assert question.first_response_due_at == paris(2026, 12, 8, 11, 0)


@pytest.mark.django_db
def test_a_ticket_opened_on_friday_evening_is_due_on_monday(customer):
    with time_machine.travel(paris(2026, 12, 4, 20, 0), tick=False):
        ticket = incident(customer)
    assert ticket.first_response_due_at == paris(2026, 12, 7, 11, 0)
    assert ticket.diagnosis_due_at == paris(2026, 12, 7, 13, 0)


# ------------------------------------------------------------------------------------------ first response


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_claiming_a_note_or_a_customer_message_is_no_response(customer, agent):
    ticket = incident(customer)
    ticket_claim(ticket=ticket, by=agent)
    ticket_note_add(ticket=ticket, author=agent, body="looking")
    message_post(ticket=ticket, author=customer, body="any news?")
    assert fresh(ticket).first_responded_at is None


@pytest.mark.django_db
def test_the_first_staff_message_is_the_response_and_the_incident_then_waits_for_its_diagnosis(
    customer, agent
):
    ticket = incident(customer)
    message = message_post(ticket=ticket, author=agent, body="We are on it.")
    message_post(ticket=ticket, author=agent, body="Still on it.")
    ticket = fresh(ticket)
    assert ticket.first_responded_at == message.created_at
    assert ticket.sla_next_due_at == ticket.diagnosis_due_at


@pytest.mark.django_db
def test_starting_the_diagnosis_is_a_response_and_meets_both_targets(customer, agent):
    ticket = ticket_start_diagnosis(ticket=incident(customer), by=agent)
    ticket = fresh(ticket)
    assert ticket.first_responded_at == ticket.diagnosis_started_at is not None
    assert ticket.sla_next_due_at == sla.NOTHING_DUE
    assert ticket.sla.due_at is None and ticket.sla.breached is False


@pytest.mark.django_db
def test_the_answer_that_closes_a_question_is_its_response(customer, agent):
    question = ticket_open(by=customer, kind="sla_claim", subject="s", description="d")
    ticket = fresh(ticket_close(ticket=question, answer="Credited.", by=agent))
    assert ticket.first_responded_at == ticket.ended_at
    assert ticket.sla_next_due_at == sla.NOTHING_DUE


@pytest.mark.django_db
def test_a_staff_message_after_the_ticket_ended_answers_nothing(customer, agent):
    ticket = incident(customer)
    ticket_cancel(ticket=ticket, by=customer)
    message_post(ticket=ticket, author=agent, body="Too late.")
    ticket = fresh(ticket)
    assert ticket.first_responded_at is None and ticket.sla_next_due_at == sla.NOTHING_DUE


# ------------------------------------------------------------------------------------------ breaches


ANSWERED_LATE = paris(2026, 12, 8, 12, 35)


@pytest.fixture
def answered_late(customer, agent) -> Ticket:
    """An incident opened on Tuesday 8 December 2026 at 10:00 (Paris), its first response due at 12:00,
    answered at 12:35: its diagnosis is due at 14:00."""
    with time_machine.travel(paris(2026, 12, 8, 10, 0), tick=False):
        ticket = incident(customer)
    with time_machine.travel(ANSWERED_LATE, tick=False):
        message_post(ticket=ticket, author=agent, body="Sorry for the wait.")
    return ticket


@pytest.mark.django_db
def test_a_late_first_response_is_a_breach_for_ever(answered_late, agent):
    ticket = answered_late
    with time_machine.travel(ANSWERED_LATE, tick=False):
        status = fresh(ticket).sla
        assert status.first_response_breached is True
        assert status.diagnosis_start_breached is False
        assert status.due_at == paris(2026, 12, 8, 14, 0) and status.seconds_left == 85 * 60
    with time_machine.travel(paris(2026, 12, 8, 13, 0), tick=False):
        ticket_start_diagnosis(ticket=ticket, by=agent)
        assert fresh(ticket).sla.breached is True


@pytest.mark.django_db
def test_a_ticket_cancelled_before_its_due_time_breached_nothing_and_after_it_did(customer):
    with time_machine.travel(paris(2026, 12, 8, 10, 0), tick=False):
        early, late = incident(customer), incident(customer)
        ticket_cancel(ticket=early, by=customer)
    with time_machine.travel(paris(2026, 12, 8, 13, 0), tick=False):
        ticket_cancel(ticket=late, by=customer)
        assert fresh(early).sla.breached is False
        assert fresh(late).sla.first_response_breached is True
    assert fresh(late).sla.pending is None


def test_the_timer_says_the_time_left_and_how_late(db, customer):
    ticket = Ticket(
        first_response_due_at=paris(2026, 12, 8, 12, 0),
        diagnosis_due_at=paris(2026, 12, 8, 14, 0),
    )
    left = str(sla_timer(ticket, now=paris(2026, 12, 8, 9, 50)))
    assert "2 h 10 min left" in left and "sla-ok" in left
    assert "sla-soon" in str(sla_timer(ticket, now=paris(2026, 12, 8, 11, 30)))
    late = str(sla_timer(ticket, now=paris(2026, 12, 8, 12, 35)))
    assert "late by 35 min" in late and "sla-late" in late
    assert duration_text(timedelta(days=2, hours=3, minutes=5)) == "2 d 3 h"


# ------------------------------------------------------------------------------------------ the inbox


def opened_at(moment, customer, **values) -> Ticket:
    with time_machine.travel(moment, tick=False):
        if values.get("kind", "incident") == "incident":
            return incident(customer, **values)
        return ticket_open(by=customer, subject="s", description="d", **values)


@pytest.fixture
def inbox_world(customer, agent):
    """Opened on Tuesday 8 December 2026 (Paris); looked at at 13:00."""
    late = opened_at(paris(2026, 12, 8, 9, 0), customer)  # first response due 11:00: late
    question = opened_at(paris(2026, 12, 8, 9, 0), customer, kind="technical")  # due 17:00
    tie_a = opened_at(paris(2026, 12, 8, 12, 0), customer)  # due 14:00
    tie_b = opened_at(paris(2026, 12, 8, 12, 0), customer)  # due 14:00, opened after: after it
    answered = opened_at(paris(2026, 12, 8, 8, 0), customer)  # answered: its diagnosis due 13:00
    running = opened_at(paris(2026, 12, 8, 8, 30), customer)  # diagnosing: nothing due
    with time_machine.travel(paris(2026, 12, 8, 9, 30), tick=False):
        message_post(ticket=answered, author=agent, body="Looking.")
        ticket_start_diagnosis(ticket=running, by=agent)
    return [late, answered, tie_a, tie_b, question, running]


@pytest.mark.django_db
def test_the_inbox_puts_the_latest_first_then_the_nearest_due_and_nothing_due_last(inbox_world, agent):
    with time_machine.travel(paris(2026, 12, 8, 13, 0), tick=False):
        page = browser(agent).get(reverse("staff:tickets:queue"))
    assert [t.pk for t in page.context["page"]] == [t.pk for t in inbox_world]
    html = page.content.decode()
    assert "late by 2 h 0 min" in html and "1 h 0 min left" in html


@pytest.mark.django_db
def test_the_breached_filter_keeps_late_tickets_in_every_staff_list(inbox_world, agent):
    late, answered = inbox_world[0], inbox_world[1]
    with time_machine.travel(paris(2026, 12, 8, 13, 30), tick=False):
        client = browser(agent)
        inbox = client.get(reverse("staff:tickets:queue") + "?breached=on").context["page"]
        everything = client.get(reverse("staff:tickets:all") + "?breached=on").context["page"]
        api = api_for(agent).get("/api/v1/tickets/?breached=true").json()["results"]
    assert [t.pk for t in inbox] == [late.pk, answered.pk]
    assert {t.pk for t in everything} == {late.pk, answered.pk}
    assert {row["id"] for row in api} == {late.pk, answered.pk}


# ------------------------------------------------------------------------------------------ the API


@pytest.mark.django_db
def test_the_ticket_shows_its_sla(answered_late, customer):
    with time_machine.travel(ANSWERED_LATE, tick=False):
        body = api_for(customer).get(f"/api/v1/tickets/{answered_late.pk}/").json()
    assert body["sla"] == {
        "first_response_due_at": "2026-12-08T12:00:00+01:00",
        "first_responded_at": "2026-12-08T12:35:00+01:00",
        "first_response_breached": True,
        "diagnosis_start_due_at": "2026-12-08T14:00:00+01:00",
        "diagnosis_started_at": None,
        "diagnosis_start_breached": False,
        "due_at": "2026-12-08T14:00:00+01:00",
        "seconds_left": 85 * 60,
        "breached": True,
    }


@pytest.mark.django_db
def test_a_question_has_no_diagnosis_target(customer):
    with time_machine.travel(paris(2026, 12, 8, 10, 0), tick=False):
        response = api_for(customer).post(
            "/api/v1/tickets/", {"kind": "commercial", "subject": "s", "description": "d"}, format="json"
        )
        sla_part = response.json()["sla"]
    assert sla_part["diagnosis_start_due_at"] is None and sla_part["diagnosis_start_breached"] is None
    assert sla_part["due_at"] == "2026-12-09T17:00:00+01:00" and sla_part["breached"] is False


@pytest.mark.django_db
def test_the_api_inbox_walks_its_pages_forward_and_back_in_time_left_order(inbox_world, agent):
    client = api_for(agent)
    with time_machine.travel(paris(2026, 12, 8, 13, 0), tick=False):
        url, seen, pages = "/api/v1/tickets/inbox/?page_size=2", [], []
        while url:
            body = client.get(url).json()
            pages.append(body)
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        back = client.get(pages[-1]["previous"]).json()
        assert pages[0]["previous"] is None
        assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[-2]["results"]]
        first = client.get("/api/v1/tickets/inbox/?page_size=1").json()["results"][0]
    assert seen == [t.pk for t in inbox_world]
    assert first["sla"]["seconds_left"] == -2 * 3600 and first["sla"]["breached"] is True


@pytest.mark.django_db
def test_the_api_inbox_refuses_a_tampered_cursor(agent):
    response = api_for(agent).get("/api/v1/tickets/inbox/", {"cursor": "WyJhZnRlciIsIm5vdCBhIGRhdGUiLDFd"})
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.django_db
def test_the_api_inbox_reads_as_many_queries_for_many_rows_as_for_one(
    customer, agent, django_assert_max_num_queries
):
    client = api_for(agent)
    incident(customer)
    client.get("/api/v1/tickets/inbox/")  # warm: the session, the compiled representation
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/tickets/inbox/")
    for _ in range(12):
        incident(customer)
    with django_assert_max_num_queries(len(one)):
        assert len(client.get("/api/v1/tickets/inbox/").json()["results"]) == 13


@pytest.mark.django_db
def test_the_inbox_page_reads_as_many_queries_with_a_next_page_as_with_one_row(
    customer, agent, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, url = browser(agent), reverse("staff:tickets:queue")
    incident(customer)
    client.get(url)  # warm: the session, the compiled rows
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(30):
        incident(customer)
    with django_assert_max_num_queries(len(one)):
        page = client.get(url)
    assert page.context["page"].has_next  # its cursor read from the rows, not fetched again


@pytest.mark.django_db
def test_the_staff_ticket_page_shows_each_target_and_its_badge(answered_late, agent):
    with time_machine.travel(ANSWERED_LATE, tick=False):
        page = browser(agent).get(reverse("staff:tickets:detail", args=[answered_late.pk])).content.decode()
    section = page[page.index('id="sla"') :]
    assert "Late" in section and "1 h 25 min left" in section
