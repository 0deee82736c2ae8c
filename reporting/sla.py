"""The response SLA report: per month of opening and kind of ticket, how many first responses and diagnosis
starts came on time, late, or are still to come (tickets/sla.py says what each target is). A ticket that
ended without the target before its due time (cancelled early) counts in none."""

from datetime import datetime

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, TruncMonth

from tickets.models import Ticket

MONTHS_MAX = 36
# The targets as the report names them: (name, due field, met field).
TARGETS = (
    ("first_response", "first_response_due_at", "first_responded_at"),
    ("diagnosis_start", "diagnosis_due_at", "diagnosis_started_at"),
)


def _outcomes(due: str, met: str, *, now: datetime) -> dict[str, Q]:
    return {
        "on_time": Q(**{f"{met}__lte": F(due)}),
        "late": Q(**{f"{met}__gt": F(due)})
        | Q(**{f"{met}__isnull": True, f"{due}__lt": Coalesce(F("ended_at"), Value(now))}),
        "pending": Q(**{f"{met}__isnull": True, "ended_at__isnull": True, f"{due}__gte": now}),
    }


def sla_report(*, now: datetime, since: datetime) -> list[dict]:
    """One row per month (of the opening, in the site's time zone) and kind, the newest month first, for the
    tickets opened since `since`: each target's counts, or None for a kind without that target."""
    counts = {
        f"{name}_{outcome}": Count("id", filter=Q(**{f"{due}__isnull": False}) & condition)
        for name, due, met in TARGETS
        for outcome, condition in _outcomes(due, met, now=now).items()
    }
    has = {f"{name}_targets": Count(due) for name, due, _met in TARGETS}
    rows = (
        Ticket.objects.filter(created_at__gte=since, first_response_due_at__isnull=False)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(**counts, **has)
        .order_by("-month", "kind")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "kind": row["kind"],
            **{
                name: {outcome: row[f"{name}_{outcome}"] for outcome in ("on_time", "late", "pending")}
                if row[f"{name}_targets"]
                else None
                for name, _due, _met in TARGETS
            },
        }
        for row in rows
    ]


def months_back(now: datetime, months: int) -> datetime:
    """The first instant of the month `months - 1` months before `now`'s (local time): `months` whole
    months, this one included."""
    from django.utils import timezone

    local = timezone.localtime(now)
    index = local.year * 12 + local.month - 1 - (months - 1)
    return local.replace(
        year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


# Counting a year of tickets reads most of the table (0.4 s at 300,000 tickets, docs/performance.md): the
# report is kept this long, and says when it was counted (`as_of`).
CACHE_SECONDS = 300


def sla_report_cached(*, months: int) -> dict:
    """`{"as_of", "months"}`: the report of this month and the `months - 1` before, counted at most
    CACHE_SECONDS ago (a ticket turns late as time passes: no key could tell when it changed)."""
    from django.core.cache import cache
    from django.utils import timezone

    key = f"sla-report:{months}"
    report = cache.get(key)
    if report is None:
        now = timezone.now()
        report = {"as_of": now, "months": sla_report(now=now, since=months_back(now, months))}
        cache.set(key, report, timeout=CACHE_SECONDS)
    return report
