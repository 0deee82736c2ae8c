from django.urls import path

from diagnostics import api

app_name = "diagnostics"

urlpatterns = [
    path("tickets/<int:pk>/conclude-diagnosis/", api.TicketConcludeDiagnosisApi.as_view(), name="conclude"),
]
