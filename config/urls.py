"""The site map: the API under api:, the portals under customer:, staff:, finance:, and the admin."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from billing.views import customer as billing_customer
from billing.views import finance as billing_finance
from config import views as site_views
from consent.views import customer as consent_customer
from consent.views import staff as consent_staff
from diagnostics.views import customer as diagnostics_customer
from diagnostics.views import staff as diagnostics_staff
from quotes.views import customer as quotes_customer
from quotes.views import staff as quotes_staff
from reporting.views import finance as reporting_finance
from tickets.views import customer as tickets_customer
from tickets.views import staff as tickets_staff

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("tickets.urls")),
    path("", include("quotes.urls")),
    path("", include("consent.urls")),
    path("", include("diagnostics.urls")),
    path("", include("reporting.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]


def app_pages(app: str, pages: list, *, prefix: str = ""):
    """One app's pages in a portal: their URL names are <portal>:<app>:<action>."""
    return path(prefix, include((pages, app)))


customer_patterns = [
    app_pages(
        "tickets",
        [
            path("", tickets_customer.DashboardView.as_view(), name="dashboard"),
            path("tickets/", tickets_customer.TicketListView.as_view(), name="list"),
            path("tickets/new/", tickets_customer.TicketOpenView.as_view(), name="open"),
            path("tickets/ask/", tickets_customer.QuestionOpenView.as_view(), name="ask"),
            path("tickets/<int:pk>/", tickets_customer.TicketDetailView.as_view(), name="detail"),
            path(
                "tickets/<int:pk>/messages/",
                tickets_customer.MessagePostView.as_view(),
                name="message",
            ),
            path("tickets/<int:pk>/cancel/", tickets_customer.TicketCancelView.as_view(), name="cancel"),
            path(
                "attachments/<int:pk>/",
                tickets_customer.AttachmentDownloadView.as_view(),
                name="attachment",
            ),
        ],
    ),
    app_pages(
        "consent",
        [
            path(
                "tickets/<int:pk>/access/",
                consent_customer.TicketAccessView.as_view(),
                name="access",
            ),
            path(
                "access-requests/<int:pk>/grant/",
                consent_customer.AccessGrantView.as_view(),
                name="grant",
            ),
            path(
                "access-requests/<int:pk>/deny/",
                consent_customer.AccessDenyView.as_view(),
                name="deny",
            ),
            path(
                "access-requests/<int:pk>/revoke/",
                consent_customer.AccessRevokeView.as_view(),
                name="revoke",
            ),
        ],
    ),
    app_pages(
        "diagnostics",
        [
            path(
                "tickets/<int:pk>/report.pdf",
                diagnostics_customer.TicketReportView.as_view(),
                name="report",
            ),
        ],
    ),
    app_pages(
        "quotes",
        [
            path("<int:pk>/", quotes_customer.QuoteDetailView.as_view(), name="detail"),
            path("<int:pk>/pdf/", quotes_customer.QuotePdfView.as_view(), name="pdf"),
            path("<int:pk>/accept/", quotes_customer.QuoteAcceptView.as_view(), name="accept"),
            path("<int:pk>/decline/", quotes_customer.QuoteDeclineView.as_view(), name="decline"),
        ],
        prefix="quotes/",
    ),
    app_pages(
        "billing",
        [
            path("", billing_customer.InvoiceListView.as_view(), name="invoices"),
            path("<int:pk>/", billing_customer.InvoiceDetailView.as_view(), name="invoice"),
            path("<int:pk>/pdf/", billing_customer.InvoicePdfView.as_view(), name="pdf"),
            path("<int:pk>/qr.svg", billing_customer.InvoiceQrView.as_view(), name="qr"),
            path("<int:pk>/refuse/", billing_customer.InvoiceRefuseView.as_view(), name="refuse"),
            path(
                "credit-notes/<int:pk>/pdf/",
                billing_customer.CreditNotePdfView.as_view(),
                name="credit_note_pdf",
            ),
        ],
        prefix="invoices/",
    ),
]

staff_patterns = [
    app_pages(
        "tickets",
        [
            path("", tickets_staff.QueueView.as_view(), name="queue"),
            path("mine/", tickets_staff.MyTicketsView.as_view(), name="mine"),
            path("tickets/", tickets_staff.AllTicketsView.as_view(), name="all"),
            path("tickets/<int:pk>/", tickets_staff.TicketWorkspaceView.as_view(), name="detail"),
            path("tickets/<int:pk>/claim/", tickets_staff.TicketClaimView.as_view(), name="claim"),
            path("tickets/<int:pk>/messages/", tickets_staff.MessagePostView.as_view(), name="message"),
            path("tickets/<int:pk>/close/", tickets_staff.TicketCloseView.as_view(), name="close"),
            path(
                "attachments/<int:pk>/",
                tickets_staff.AttachmentDownloadView.as_view(),
                name="attachment",
            ),
        ],
    ),
    app_pages(
        "diagnostics",
        [
            path(
                "tickets/<int:pk>/conclude/",
                diagnostics_staff.DiagnosisConcludeView.as_view(),
                name="conclude",
            ),
        ],
    ),
    app_pages(
        "consent",
        [
            path(
                "tickets/<int:pk>/access/",
                consent_staff.TicketAccessView.as_view(),
                name="access",
            ),
            path(
                "tickets/<int:pk>/access/request/",
                consent_staff.AccessRequestCreateView.as_view(),
                name="request_access",
            ),
            path(
                "tickets/<int:pk>/interventions/",
                consent_staff.InterventionCreateView.as_view(),
                name="intervene",
            ),
        ],
    ),
    app_pages(
        "quotes",
        [
            path(
                "tickets/<int:pk>/complete/",
                quotes_staff.TicketCompleteWorkView.as_view(),
                name="complete",
            ),
        ],
    ),
]

finance_patterns = [
    app_pages(
        "billing",
        [
            path("", billing_finance.InvoiceListView.as_view(), name="invoices"),
            path("closed/", billing_finance.ClosedInvoiceListView.as_view(), name="closed"),
            path("export.csv", billing_finance.InvoiceExportView.as_view(), name="export"),
            path("invoices/<int:pk>/", billing_finance.InvoiceDetailView.as_view(), name="invoice"),
            path("invoices/<int:pk>/payments/", billing_finance.PaymentRecordView.as_view(), name="pay"),
            path("accounts/banned/", billing_finance.BannedAccountsView.as_view(), name="banned"),
            path(
                "accounts/<int:pk>/reinstate/",
                billing_finance.CustomerReinstateView.as_view(),
                name="reinstate",
            ),
            path(
                "accounts/<int:pk>/history/",
                billing_finance.CustomerHistoryView.as_view(),
                name="history",
            ),
        ],
    ),
    app_pages(
        "reporting",
        [
            path("receivables/", reporting_finance.ReceivablesView.as_view(), name="receivables"),
        ],
    ),
]

auth_patterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the switch on every page
    path("", account_views.HomeView.as_view(), name="home"),
]

urlpatterns = [
    path("api/v1/", include((api_patterns, "api"))),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="api-docs"),
    path("health/", site_views.health, name="health"),
    path("csp-report/", site_views.csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("customer/", include((customer_patterns, "customer"))),
    path("staff/", include((staff_patterns, "staff"))),
    path("finance/", include((finance_patterns, "finance"))),
    *auth_patterns,
]

handler500 = "config.views.server_error"  # generic page; 503 while the database is unreachable
handler404 = "config.views.page_not_found"  # JSON under /api/, as the contract's 404
