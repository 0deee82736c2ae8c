from django.urls import path

from consent import api

app_name = "consent"

urlpatterns = [
    path("tickets/<int:pk>/access-requests/", api.TicketAccessRequestsApi.as_view(), name="access-requests"),
    path("access-requests/<int:pk>/", api.AccessRequestDetailApi.as_view(), name="access-request"),
    path("access-requests/<int:pk>/grant/", api.AccessRequestGrantApi.as_view(), name="access-request-grant"),
    path("access-requests/<int:pk>/deny/", api.AccessRequestDenyApi.as_view(), name="access-request-deny"),
    path(
        "access-requests/<int:pk>/revoke/", api.AccessRequestRevokeApi.as_view(), name="access-request-revoke"
    ),
    path("tickets/<int:pk>/interventions/", api.TicketInterventionsApi.as_view(), name="interventions"),
    path("tickets/<int:pk>/audit-log/", api.TicketAuditLogApi.as_view(), name="ticket-audit-log"),
    path("tickets/<int:pk>/audit-log/csv/", api.TicketAuditLogCsvApi.as_view(), name="ticket-audit-log-csv"),
    path("audit-log/", api.AuditLogApi.as_view(), name="audit-log"),
    path("audit-log/csv/", api.AuditLogCsvApi.as_view(), name="audit-log-csv"),
    path("contact-obligations/", api.ContactObligationListApi.as_view(), name="contact-obligations"),
    path("contact-obligations/<int:pk>/contacts/", api.ContactRecordApi.as_view(), name="contact-record"),
]
