"""The receivables report for finance: what is owed and when, what was refused or lapsed, bans, and the
diagnosis fees charged or waived. It reads money (billing) and the fee decisions of diagnoses, so it lives
above both. Each query returns plain rows, amounts as Decimal in cents (SQLite sums decimals as floats:
23.8000000000000), grouped by currency."""

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Func, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from billing import aging
from billing.models import BanEvent, CreditNote, Invoice, Payment, Refund
from billing.selectors import with_amounts
from config.money import to_cents
from config.replica import read_connection
from diagnostics.models import Diagnosis


def receivables_open_by_days_to_due(*, today) -> list[dict]:
    """What open invoices still owe, by the aging bucket of their due day (billing/aging.py)."""
    return [
        {
            "days_to_due": bucket.name,
            "currency": row["currency"],
            "amount": to_cents(row[f"amount_{bucket.name}"]),
            "invoices": row[f"invoices_{bucket.name}"],
        }
        for row in receivables_open_sums(today=today)
        for bucket in aging.BUCKETS
    ]


def receivables_open_sums(*, today) -> QuerySet:
    """One row per currency: the amount and number of open invoices in each aging bucket."""
    money: DecimalField = DecimalField(max_digits=12, decimal_places=2)
    owed = ExpressionWrapper(F("gross") - F("amount_paid"), output_field=money)
    sums: dict[str, Func] = {}
    for bucket in aging.BUCKETS:
        window = aging.bucket_q(bucket, today=today)
        sums[f"amount_{bucket.name}"] = Coalesce(Sum(owed, filter=window), Value(0), output_field=money)
        sums[f"invoices_{bucket.name}"] = Count("id", filter=window)
    return (
        with_amounts(Invoice.objects.filter(status=Invoice.State.OPEN))
        .values("currency")
        .annotate(**sums)
        .order_by("currency")
    )


def credit_notes_by_month() -> tuple[list[dict], list[dict]]:
    """The credit notes by the month of their issue, in one query: the refused and lapsed amounts (the
    cancellations), and apart from them the SLA credits granted (owed to the customers)."""
    rows = (
        CreditNote.objects.annotate(month=TruncMonth("issued_on"))
        .values("month", "kind", "reason", "currency")
        .annotate(net=Sum("net"), gross=Sum("gross"), count=Count("id"))
        .order_by("-month", "reason", "currency")
    )
    cancelled, sla_credits = [], []
    for row in rows:
        month = row["month"].strftime("%Y-%m")
        if row["kind"] == CreditNote.Kind.SLA_CREDIT:
            sla_credits.append(
                {
                    "month": month,
                    "currency": row["currency"],
                    "net": to_cents(row["net"]),
                    "gross": to_cents(row["gross"]),
                    "credit_notes": row["count"],
                }
            )
        else:
            cancelled.append(
                {
                    "month": month,
                    "status": row["reason"],
                    "currency": row["currency"],
                    "amount": to_cents(row["gross"]),
                    "invoices": row["count"],
                }
            )
    return cancelled, sla_credits


def receivables_cancelled_by_month() -> list[dict]:
    """Refused and lapsed amounts, by the month of the credit note that cancelled them (SLA credits apart)."""
    return credit_notes_by_month()[0]


def credit_notes_by_month_rows(report: dict) -> list[list]:
    """The report's credit notes by month as CSV rows (CREDIT_NOTES_CSV_COLUMNS): each refusal, lapse and SLA
    credit line apart, so the cancellations and the SLA credits are never summed together."""
    rows = [
        [row["month"], row["status"], row["currency"], row["invoices"], row["amount"]]
        for row in report["refused_and_lapsed_by_month"]
    ]
    rows += [
        [row["month"], CreditNote.Kind.SLA_CREDIT.value, row["currency"], row["credit_notes"], row["gross"]]
        for row in report["sla_credits_by_month"]
    ]
    return sorted(rows, key=lambda row: (row[0], row[1], row[2]), reverse=True)


CREDIT_NOTES_CSV_COLUMNS = ["month", "kind", "currency", "credit_notes", "gross"]


def bans_by_month() -> list[dict]:
    """Accounts banned and accounts reinstated, by month (an account counts once per month and kind)."""
    rows = (
        BanEvent.objects.filter(changed_status=True)
        # The month the account's status changed: a ban's in the transaction that caused it.
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(accounts=Count("customer", distinct=True))
        .order_by("-month")
    )
    months: dict[str, dict] = {}
    for row in rows:
        month = timezone.localtime(row["month"]).strftime("%Y-%m")
        entry = months.setdefault(month, {"month": month, "banned": 0, "reinstated": 0})
        entry["banned" if row["kind"] == BanEvent.Kind.BAN else "reinstated"] += row["accounts"]
    return list(months.values())


def refunds_owed() -> list[dict]:
    """What customers paid on invoices cancelled in full since, still owed back to them, by currency."""
    rows = (
        Refund.objects.filter(status=Refund.State.OWED)
        .order_by()
        .values("currency")
        .annotate(amount=Sum("amount"), refunds=Count("id"))
        .order_by("currency")
    )
    return [
        {"currency": row["currency"], "amount": to_cents(row["amount"]), "refunds": row["refunds"]}
        for row in rows
    ]


def diagnosis_fees_by_rule() -> list[dict]:
    """Diagnosis fees charged and waived, by the rule that decided (the fee as shown at opening)."""
    rows = (
        Diagnosis.objects.values("fee_rule", "fee_charged", currency=F("ticket__fee_currency"))
        .annotate(diagnoses=Count("id"), net=Sum("ticket__fee_net"), gross=Sum("ticket__fee_gross"))
        .order_by("-fee_charged", "fee_rule", "currency")
    )
    return [
        {
            "rule": row["fee_rule"],
            "charged": row["fee_charged"],
            "currency": row["currency"],
            "diagnoses": row["diagnoses"],
            "net": to_cents(row["net"]),
            "gross": to_cents(row["gross"]),
        }
        for row in rows
    ]


def receivables_report(*, today) -> dict:
    """The report, computed again only when a row it reads has changed since (never a stale figure).

    It sums whole tables (every diagnosis ever concluded: 1.6 s at a million tickets), while what it reads
    only ever grows by new rows: an invoice, a payment, a credit note, a diagnosis, a ban or reinstatement,
    a refund (and a recorded ban being applied, a refund being made). The newest id of each, the count of bans still to apply and the
    day make a key that changes whenever the report could; each web worker keeps the report of the current
    key in its local memory (docs/performance.md).
    """
    key = f"receivables-report:{today.isoformat()}:{_receivables_version()}"
    report = cache.get(key)
    if report is None:
        cancelled, sla_credits = credit_notes_by_month()
        report = {
            "as_of": today,
            "open_by_days_to_due": receivables_open_by_days_to_due(today=today),
            "refused_and_lapsed_by_month": cancelled,
            "sla_credits_by_month": sla_credits,
            "bans_by_month": bans_by_month(),
            "refunds_owed": refunds_owed(),
            "diagnosis_fees": diagnosis_fees_by_rule(),
        }
        cache.set(key, report, timeout=3600)
    return report


def _receivables_version() -> str:
    # Each part reads one end of a primary key or the partial index of pending bans: about a millisecond.
    tables = [model._meta.db_table for model in (Invoice, Payment, CreditNote, Diagnosis, BanEvent, Refund)]
    parts = [f"(SELECT MAX(id) FROM {connection.ops.quote_name(table)})" for table in tables]  # noqa: S608
    pending = connection.ops.quote_name(BanEvent._meta.db_table)
    parts.append(f"(SELECT COUNT(*) FROM {pending} WHERE applied_at IS NULL)")  # noqa: S608
    # A refund marked refunded adds no row: the count of those still owed changes (an index range).
    refunds = connection.ops.quote_name(Refund._meta.db_table)
    parts.append(f"(SELECT COUNT(*) FROM {refunds} WHERE status = 'owed')")  # noqa: S608
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608 - table names of the models, no input
        return "-".join(str(part) for part in cursor.fetchone())
