from django.urls import path

from billing import api, api_documents

app_name = "billing"

urlpatterns = [
    path("pricing/diagnosis-fee/", api.DiagnosisFeeApi.as_view(), name="diagnosis-fee"),
    path("pricing/diagnosis-fees/<str:country>/", api.DiagnosisPriceSetApi.as_view(), name="diagnosis-price"),
    path("pricing/free-periods/", api.FreePeriodCreateApi.as_view(), name="free-periods"),
    path("invoices/", api.InvoiceListApi.as_view(), name="invoices"),
    path("invoices/<int:pk>/", api.InvoiceDetailApi.as_view(), name="invoice"),
    path("invoices/<int:pk>/pdf/", api_documents.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("credit-notes/<int:pk>/pdf/", api_documents.CreditNotePdfApi.as_view(), name="credit-note-pdf"),
    path("invoices/export.csv", api.InvoiceExportCsvApi.as_view(), name="invoices-csv"),
    path("invoices/<int:pk>/payments/", api.InvoicePaymentCreateApi.as_view(), name="invoice-payments"),
    path("invoices/<int:pk>/refuse/", api.InvoiceRefuseApi.as_view(), name="invoice-refuse"),
    path("customers/<int:pk>/reinstate/", api.CustomerReinstateApi.as_view(), name="customer-reinstate"),
    path("customers/<int:pk>/bans/", api.CustomerBanHistoryApi.as_view(), name="customer-bans"),
]
