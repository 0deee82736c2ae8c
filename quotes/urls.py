from django.urls import path

from quotes import api, api_documents

app_name = "quotes"

urlpatterns = [
    path("quotes/<int:pk>/", api.QuoteDetailApi.as_view(), name="detail"),
    path("quotes/<int:pk>/pdf/", api_documents.QuotePdfApi.as_view(), name="pdf"),
    path("quotes/<int:pk>/accept/", api.QuoteAcceptApi.as_view(), name="accept"),
    path("quotes/<int:pk>/decline/", api.QuoteDeclineApi.as_view(), name="decline"),
    path("tickets/<int:pk>/complete-work/", api.TicketCompleteWorkApi.as_view(), name="complete-work"),
]
