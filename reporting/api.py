from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import BillingEntity
from accounts.permissions import IsFinance, IsStaffMember
from billing import aging
from config.csv import CsvFormatInput, CsvRenderer, csv_format_from, csv_response
from config.replica import heavy_reads
from config.routing import route
from config.serializers import CompiledSerializer, valid_input
from reporting.e_reporting import COLUMNS, e_reporting_rows
from reporting.presenters import CSV_LABELS
from reporting.selectors import CREDIT_NOTES_CSV_COLUMNS, credit_notes_by_month_rows, receivables_report
from reporting.sla import MONTHS_MAX, sla_report_cached
from tickets.models import Ticket

MAX_PERIOD_DAYS = 366  # a year at most: the reform's periods are ten days to a month


class _Money(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class ReceivablesReportOutput(CompiledSerializer):
    class OpenBucket(serializers.Serializer):
        days_to_due = serializers.ChoiceField(choices=[bucket.name for bucket in aging.BUCKETS])
        currency = serializers.CharField()
        amount = _Money()
        invoices = serializers.IntegerField()

    class CancelledMonth(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        status = serializers.CharField(help_text="refused or lapsed")
        currency = serializers.CharField()
        amount = _Money()
        invoices = serializers.IntegerField()

    class SlaCreditsMonth(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        currency = serializers.CharField()
        net = _Money()
        gross = _Money()
        credit_notes = serializers.IntegerField()

    class BansMonth(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        banned = serializers.IntegerField()
        reinstated = serializers.IntegerField()

    class RefundsOwed(serializers.Serializer):
        currency = serializers.CharField()
        amount = _Money()
        refunds = serializers.IntegerField()

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
    sla_credits_by_month = SlaCreditsMonth(
        many=True,
        help_text="SLA credits granted (credit notes of kind sla_credit, owed to the customers), apart from the "
        "cancellations above.",
    )
    bans_by_month = BansMonth(many=True)
    refunds_owed = RefundsOwed(many=True, help_text="Paid on invoices cancelled since, owed back.")
    diagnosis_fees = FeeRule(many=True)


@route("reports/receivables/", name="receivables-report")
class ReceivablesReportApi(APIView):
    """What is owed and when, what was refused or lapsed, bans, refunds owed, and diagnosis fees charged or
    waived."""

    permission_classes = [IsFinance]

    @extend_schema(responses=ReceivablesReportOutput)
    def get(self, request):
        with heavy_reads(request):
            report = receivables_report(today=timezone.localdate())
        return Response(ReceivablesReportOutput(report).data)


@route("reports/receivables/credit-notes.csv", name="receivables-credit-notes")
class ReceivablesCreditNotesCsvApi(APIView):
    """The receivables report's credit notes by month as CSV: refused, lapsed and SLA credits, each its own
    line (`kind`: refused, lapsed or sla_credit)."""

    permission_classes = [IsFinance]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=[CsvFormatInput],
        responses={(200, "text/csv"): OpenApiTypes.STR},  # errors: config.schema adds them
    )
    def get(self, request):
        fmt = csv_format_from(valid_input(CsvFormatInput, request.query_params))
        with heavy_reads(request):
            report = receivables_report(today=timezone.localdate())
        rows = credit_notes_by_month_rows(report)
        return csv_response(
            CREDIT_NOTES_CSV_COLUMNS,
            rows,
            filename="receivables-credit-notes.csv",
            fmt=fmt,
            labels=CSV_LABELS,
        )


class SlaCounts(serializers.Serializer):
    on_time = serializers.IntegerField()
    late = serializers.IntegerField(help_text="Met after the due time, or unmet past it.")
    pending = serializers.IntegerField(help_text="Not met yet, and not due yet.")


class SlaMonth(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, the month the tickets were opened")
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices)
    first_response = SlaCounts(allow_null=True)
    diagnosis_start = SlaCounts(allow_null=True, help_text="Incidents only; null for the other kinds.")


class SlaReportOutput(serializers.Serializer):
    as_of = serializers.DateTimeField(help_text="When it was counted: at most 5 minutes ago.")
    months = SlaMonth(
        many=True, help_text="The newest month first; a month and kind without tickets is left out."
    )


@route("reports/sla/", name="sla-report")
class SlaReportApi(APIView):
    """Response SLAs: per month of opening and kind of ticket, the first responses and the diagnosis starts
    (incidents) on time, late and still pending; in business hours of each customer's country."""

    permission_classes = [IsStaffMember]

    class Input(serializers.Serializer):
        months = serializers.IntegerField(
            min_value=1,
            max_value=MONTHS_MAX,
            required=False,
            default=12,
            help_text="This month and the ones before.",
        )

    @extend_schema(parameters=[Input], responses=SlaReportOutput)
    def get(self, request):
        months = valid_input(self.Input, request.query_params)["months"]
        return Response(SlaReportOutput(sla_report_cached(months=months)).data)


@route("reports/e-reporting.csv", name="e-reporting")
class EReportingCsvApi(APIView):
    """The French reform's e-reporting data of one entity for a period (LAW-18), as CSV for finance."""

    permission_classes = [IsFinance]
    renderer_classes = [JSONRenderer, CsvRenderer]

    class Input(CsvFormatInput):
        start = serializers.DateField(help_text="first day, included")
        end = serializers.DateField(help_text="last day, included")
        entity = serializers.CharField(max_length=2, default="FR", help_text="the entity's country")

        def validate(self, attrs):
            if attrs["end"] < attrs["start"]:
                raise serializers.ValidationError({"end": ["The last day cannot be before the first day."]})
            if (attrs["end"] - attrs["start"]).days > MAX_PERIOD_DAYS:
                raise serializers.ValidationError({"end": [f"A period is at most {MAX_PERIOD_DAYS} days."]})
            return attrs

    @extend_schema(
        parameters=[Input],
        responses={(200, "text/csv"): OpenApiTypes.STR},  # errors: config.schema adds them
    )
    def get(self, request):
        period = valid_input(self.Input, request.query_params)
        entity = get_object_or_404(BillingEntity, country=period["entity"].upper())
        rows = e_reporting_rows(entity=entity, start=period["start"], end=period["end"])
        filename = f"e-reporting-{entity.country}-{period['start']}-{period['end']}.csv"
        return csv_response(COLUMNS, rows, filename=filename, fmt=csv_format_from(period))
