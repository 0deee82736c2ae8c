"""The receivables report for finance. It lives in the top app because it reads money (billing) and the
fee decisions of diagnoses, and billing must not import diagnostics."""

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Sum
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsFinance
from billing import selectors as billing_selectors
from billing.models import BanEvent, CreditNote, Invoice, Payment
from diagnostics.models import Diagnosis


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
            "net": row["net"],
            "gross": row["gross"],
        }
        for row in rows
    ]


def receivables_report(*, today) -> dict:
    """The report, computed again only when a row it reads has changed since (never a stale figure).

    It sums whole tables (every diagnosis ever concluded: 1.6 s at a million tickets), while what it reads
    only ever grows by new rows: an invoice, a payment, a credit note, a diagnosis, a ban or reinstatement
    (and a recorded ban being applied). The newest id of each, the count of bans still to apply and the
    day make a key that changes whenever the report could; each web worker keeps the report of the current
    key in its local memory (docs/performance.md).
    """
    key = f"receivables-report:{today.isoformat()}:{_receivables_version()}"
    report = cache.get(key)
    if report is None:
        report = {
            "as_of": today,
            "open_by_days_to_due": billing_selectors.receivables_open_by_days_to_due(today=today),
            "refused_and_lapsed_by_month": billing_selectors.receivables_cancelled_by_month(),
            "bans_by_month": billing_selectors.bans_by_month(),
            "diagnosis_fees": diagnosis_fees_by_rule(),
        }
        cache.set(key, report, timeout=3600)
    return report


def _receivables_version() -> str:
    # Each part reads one end of a primary key or the partial index of pending bans: about a millisecond.
    tables = [model._meta.db_table for model in (Invoice, Payment, CreditNote, Diagnosis, BanEvent)]
    parts = [f"(SELECT MAX(id) FROM {connection.ops.quote_name(table)})" for table in tables]  # noqa: S608
    pending = connection.ops.quote_name(BanEvent._meta.db_table)
    parts.append(f"(SELECT COUNT(*) FROM {pending} WHERE applied_at IS NULL)")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608 - table names of the models, no input
        return "-".join(str(part) for part in cursor.fetchone())


class _Money(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class ReceivablesReportOutput(serializers.Serializer):
    class OpenBucket(serializers.Serializer):
        days_to_due = serializers.ChoiceField(choices=[name for name, *_ in billing_selectors.OPEN_BUCKETS])
        currency = serializers.CharField()
        amount = _Money()
        invoices = serializers.IntegerField()

    class CancelledMonth(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        status = serializers.CharField(help_text="refused or lapsed")
        currency = serializers.CharField()
        amount = _Money()
        invoices = serializers.IntegerField()

    class BansMonth(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        banned = serializers.IntegerField()
        reinstated = serializers.IntegerField()

    class FeeRule(serializers.Serializer):
        rule = serializers.CharField()
        charged = serializers.BooleanField()
        currency = serializers.CharField()
        diagnoses = serializers.IntegerField()
        net = _Money()
        gross = _Money()

    as_of = serializers.DateField()
    open_by_days_to_due = OpenBucket(many=True)
    refused_and_lapsed_by_month = CancelledMonth(many=True)
    bans_by_month = BansMonth(many=True)
    diagnosis_fees = FeeRule(many=True)


class ReceivablesReportApi(APIView):
    """What is owed and when, what was refused or lapsed, bans, and diagnosis fees charged or waived."""

    permission_classes = [IsFinance]

    @extend_schema(responses=ReceivablesReportOutput)
    def get(self, request):
        return Response(ReceivablesReportOutput(receivables_report(today=timezone.localdate())).data)
