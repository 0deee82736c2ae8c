"""Response SLAs: the business calendar of each customer country, and a ticket's targets against it.

The one place that knows business time. A country's business hours are wall-clock hours in its own time
zone (settings.SLA_BUSINESS_HOURS), on its working weekdays, except its public holidays (the `holidays`
package: data shipped with it, no network). A target (settings.SLA_TARGETS) is a number of business hours
from the opening; its due time is computed once, when the ticket opens, and stored on the ticket.

A ticket has at most two targets: the first response (a staff message, the diagnosis started, or the
answer that closes a question; claiming a ticket is not a response, nor is an internal note) and, for an
incident, the start of the diagnosis. A target's clock stops when it is met, or when the ticket ends
without it (a cancelled ticket): past its due time by then, it was breached.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

# The inbox's order is (nearest pending due time, id), a plain keyset on a column that is never NULL: a
# ticket with nothing pending sorts after every real due time with this one. Far enough in the future to be
# after any, early enough in year 9999 that no time zone's local time overflows.
NOTHING_DUE = datetime(9999, 1, 1, tzinfo=UTC)
# A target is met within days, even over the longest holiday season; a calendar with no business day at all
# (a mistaken setting) must not loop for ever.
_MAX_DAYS = 3660

FIRST_RESPONSE, DIAGNOSIS_START = "first_response", "diagnosis_start"


@dataclass(frozen=True)
class BusinessCalendar:
    country: str
    zone: ZoneInfo
    weekdays: frozenset[int]  # Monday is 0
    opens: time
    closes: time

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in _holidays(self.country, day.year)

    def hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's business hours as UTC instants, or None on a day off. Built from the wall clock in the
        country's zone, so a day after a daylight-saving change opens at 09:00 local time all the same."""
        if not self.is_business_day(day):
            return None
        opens = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def days_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Each business day's hours from the local day of `moment` on, at most _MAX_DAYS days."""
        day = moment.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS):
            hours = self.hours(day + timedelta(days=offset))
            if hours is not None:
                yield hours


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package does not know: no public holiday
        return frozenset()


@cache
def calendar_for(country: str) -> BusinessCalendar:
    """The business calendar of a customer country (the default's hours where settings name none)."""
    entry = {**settings.SLA_BUSINESS_HOURS["default"], **settings.SLA_BUSINESS_HOURS.get(country, {})}
    return BusinessCalendar(
        country=country,
        zone=ZoneInfo(entry["time_zone"]),
        weekdays=frozenset(int(day) for day in entry["weekdays"]),
        opens=time.fromisoformat(entry["opens"]),
        closes=time.fromisoformat(entry["closes"]),
    )


def add_business_time(start: datetime, duration: timedelta, country: str) -> datetime:
    """The instant `duration` of business time after `start` in `country` (UTC). Outside business hours
    the count starts at the next opening: two hours from Friday 20:00 in Paris is Monday 11:00."""
    if duration <= timedelta(0):
        return start
    start, remaining = start.astimezone(UTC), duration
    for opens, closes in calendar_for(country).days_from(start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise ValueError(f"no business hours in {country} within {_MAX_DAYS} days of {start}")


def business_time_between(start: datetime, end: datetime, country: str) -> timedelta:
    """The business time of `country` from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -business_time_between(end, start, country)
    start, end, total = start.astimezone(UTC), end.astimezone(UTC), timedelta(0)
    for opens, closes in calendar_for(country).days_from(start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def target_hours(kind: str, target: str) -> float | None:
    """The business hours `kind` is given for `target`, or None when it has none."""
    hours = settings.SLA_TARGETS.get(kind, {}).get(target)
    return None if hours is None else float(hours)


def due_fields(*, kind: str, opened_at: datetime, country: str) -> dict[str, datetime | None]:
    """The due times a ticket opened now stores, and its first pending one (the inbox's order)."""
    due = {
        name: None if hours is None else add_business_time(opened_at, timedelta(hours=hours), country)
        for name, hours in (
            (target, target_hours(kind, target)) for target in (FIRST_RESPONSE, DIAGNOSIS_START)
        )
    }
    return {
        "first_response_due_at": due[FIRST_RESPONSE],
        "diagnosis_due_at": due[DIAGNOSIS_START] if kind == "incident" else None,
        "sla_next_due_at": due[FIRST_RESPONSE] or NOTHING_DUE,
    }


@dataclass(frozen=True)
class Target:
    """One target of one ticket: when it is due, when it was met, when its clock stopped."""

    due_at: datetime | None
    met_at: datetime | None
    stopped_at: datetime | None  # met, or the ticket ended without it

    def breached(self, now: datetime) -> bool | None:
        """Past its due time before it was met (or still unmet now); None for a ticket without the target."""
        if self.due_at is None:
            return None
        return (self.stopped_at or now) > self.due_at

    @property
    def pending(self) -> bool:
        return self.due_at is not None and self.stopped_at is None


@dataclass(frozen=True)
class SlaStatus:
    first_response: Target
    diagnosis_start: Target
    now: datetime

    @property
    def pending(self) -> Target | None:
        """The target the staff must meet next, if any."""
        for target in (self.first_response, self.diagnosis_start):
            if target.pending:
                return target
        return None

    @property
    def due_at(self) -> datetime | None:
        pending = self.pending
        return pending.due_at if pending else None

    @property
    def seconds_left(self) -> int | None:
        """Until the next due time; negative once it has passed."""
        due = self.due_at
        return None if due is None else int((due - self.now).total_seconds())

    @property
    def first_response_breached(self) -> bool | None:
        return self.first_response.breached(self.now)

    @property
    def diagnosis_start_breached(self) -> bool | None:
        return self.diagnosis_start.breached(self.now)

    @property
    def breached(self) -> bool:
        return bool(self.first_response_breached or self.diagnosis_start_breached)


def sla_status(ticket, *, now: datetime) -> SlaStatus:
    """A ticket's targets at `now`, from the fields it stores."""
    ended = ticket.ended_at
    return SlaStatus(
        first_response=Target(
            ticket.first_response_due_at, ticket.first_responded_at, ticket.first_responded_at or ended
        ),
        diagnosis_start=Target(
            ticket.diagnosis_due_at, ticket.diagnosis_started_at, ticket.diagnosis_started_at or ended
        ),
        now=now,
    )


def next_due_after_response(ticket) -> datetime:
    """The inbox's key once the first response is given: the diagnosis start still due, or nothing."""
    if (
        ticket.diagnosis_due_at is not None
        and ticket.diagnosis_started_at is None
        and ticket.ended_at is None
    ):
        return ticket.diagnosis_due_at
    return NOTHING_DUE


@receiver(setting_changed)
def _calendars_forget(*, setting: str, **kwargs) -> None:
    if setting == "SLA_BUSINESS_HOURS":  # tests that change the hours
        calendar_for.cache_clear()


BACKFILL_CHUNK = 5000


def tickets_sla_backfill(ticket_model, message_model, *, staff_roles=("agent", "finance", "admin")) -> int:
    """Give every ticket its SLA fields as if they had been kept from its opening, with today's targets:
    the migration that adds them and the bench's seed call it (with their own models). The first response
    is found set-based (the diagnosis start, the closing answer, the first staff message before the ticket
    ended); the due times, which only the calendar knows, are computed in chunks and written one statement a
    chunk. The number of tickets."""
    from django.db.models import Exists, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from config.bulk import update_from_instances

    tickets = ticket_model._default_manager
    tickets.filter(diagnosis_started_at__isnull=False).update(
        first_responded_at=models.F("diagnosis_started_at")
    )
    tickets.filter(first_responded_at__isnull=True, status="closed").exclude(kind="incident").update(
        first_responded_at=models.F("ended_at")
    )
    staff_messages = message_model._default_manager.filter(
        ticket=OuterRef("pk"),
        author__role__in=staff_roles,
        created_at__lt=Coalesce(
            OuterRef("first_responded_at"), OuterRef("ended_at"), models.Value(NOTHING_DUE)
        ),
    )
    tickets.filter(Exists(staff_messages)).update(
        first_responded_at=Subquery(
            staff_messages.order_by("created_at").values("created_at")[:1],
            output_field=models.DateTimeField(),
        )
    )
    done, last = 0, 0
    while True:
        rows = list(
            tickets.filter(pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk",
                "kind",
                "created_at",
                "customer__country",
                "first_responded_at",
                "diagnosis_started_at",
                "ended_at",
            )[:BACKFILL_CHUNK]
        )
        if not rows:
            return done
        changed = []
        for pk, kind, opened_at, country, responded, started, ended in rows:
            ticket = ticket_model(
                pk=pk,
                first_responded_at=responded,
                diagnosis_started_at=started,
                ended_at=ended,
                **due_fields(kind=kind, opened_at=opened_at, country=country),
            )
            ticket.sla_next_due_at = NOTHING_DUE
            if ended is None:
                pending = sla_status(ticket, now=opened_at).pending
                ticket.sla_next_due_at = pending.due_at if pending and pending.due_at else NOTHING_DUE
            changed.append(ticket)
        update_from_instances(changed, ["first_response_due_at", "diagnosis_due_at", "sla_next_due_at"])
        done, last = done + len(rows), rows[-1][0]
