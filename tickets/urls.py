from django.urls import path

from tickets import api

app_name = "tickets"

urlpatterns = [
    path("tickets/", api.TicketListCreateApi.as_view(), name="list"),
    path("tickets/queue/", api.TicketQueueApi.as_view(), name="queue"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="detail"),
    path("tickets/<int:pk>/cancel/", api.TicketCancelApi.as_view(), name="cancel"),
    path("tickets/<int:pk>/start-diagnosis/", api.TicketStartDiagnosisApi.as_view(), name="start-diagnosis"),
    path("tickets/<int:pk>/close/", api.TicketCloseApi.as_view(), name="close"),
    path("tickets/<int:pk>/messages/", api.TicketMessagesApi.as_view(), name="messages"),
    path("tickets/<int:pk>/history/", api.TicketHistoryApi.as_view(), name="history"),
    path("tickets/<int:pk>/notes/", api.TicketNoteCreateApi.as_view(), name="notes"),
]
