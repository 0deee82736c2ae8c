from django.urls import path

from billing import api

app_name = "billing"

urlpatterns = [
    path("pricing/diagnosis-fee/", api.DiagnosisFeeApi.as_view(), name="diagnosis-fee"),
    path("pricing/diagnosis-fees/<str:country>/", api.DiagnosisPriceSetApi.as_view(), name="diagnosis-price"),
    path("pricing/free-periods/", api.FreePeriodCreateApi.as_view(), name="free-periods"),
    path("invoices/", api.InvoiceListApi.as_view(), name="invoices"),
    path("invoices/<int:pk>/", api.InvoiceDetailApi.as_view(), name="invoice"),
]
