from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsFinance
from billing import aging
from config.routing import route
from reporting.selectors import receivables_report


class _Money(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class ReceivablesReportOutput(serializers.Serializer):
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


@route("reports/receivables/", name="receivables-report")
class ReceivablesReportApi(APIView):
    """What is owed and when, what was refused or lapsed, bans, and diagnosis fees charged or waived."""

    permission_classes = [IsFinance]

    @extend_schema(responses=ReceivablesReportOutput)
    def get(self, request):
        return Response(ReceivablesReportOutput(receivables_report(today=timezone.localdate())).data)
