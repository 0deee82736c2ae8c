from django.urls import path

from diagnostics import api, reports

app_name = "diagnostics"

urlpatterns = [
    path("tickets/<int:pk>/conclude-diagnosis/", api.TicketConcludeDiagnosisApi.as_view(), name="conclude"),
    path("reports/receivables/", reports.ReceivablesReportApi.as_view(), name="receivables-report"),
]
