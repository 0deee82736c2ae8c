from django.urls import path

from reporting import api

app_name = "reporting"

urlpatterns = [
    path("reports/receivables/", api.ReceivablesReportApi.as_view(), name="receivables-report"),
]
