from django.urls import path

from diagnostics import api, api_documents

app_name = "diagnostics"

urlpatterns = [
    path("tickets/<int:pk>/conclude-diagnosis/", api.TicketConcludeDiagnosisApi.as_view(), name="conclude"),
    path("tickets/<int:pk>/report/", api_documents.TicketReportApi.as_view(), name="report"),
]
