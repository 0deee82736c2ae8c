"""The site map: the API under api:, the portals under customer:, staff:, finance:, and the admin.

Each view declares its own path and URL name (`config.routing.route`); this map says which views make
up the API and each portal, under which prefix and namespace. URL names are
<api or portal>:<app>:<action>, e.g. `api:billing:invoice-refuse`, `customer:tickets:detail`.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts import views as account_views
from accounts.passkeys import PasskeyVerifyCompleteView
from billing import api as billing_api
from billing import api_documents as billing_api_documents
from billing.views import customer as billing_customer
from billing.views import finance as billing_finance
from config import views as site_views
from config.metrics import metrics_view
from config.routing import routes
from consent import api as consent_api
from consent.views import customer as consent_customer
from consent.views import staff as consent_staff
from credits import api as credits_api
from credits.views import staff as credits_staff
from diagnostics import api as diagnostics_api
from diagnostics import api_documents as diagnostics_api_documents
from diagnostics.views import customer as diagnostics_customer
from diagnostics.views import staff as diagnostics_staff
from mailin.views import staff as mailin_staff
from outages import api as outages_api
from outages.views import public as outages_public
from outages.views import staff as outages_staff
from quotes import api as quotes_api
from quotes import api_documents as quotes_api_documents
from quotes.views import customer as quotes_customer
from quotes.views import staff as quotes_staff
from reporting import api as reporting_api
from reporting.views import finance as reporting_finance
from tickets import api as tickets_api
from tickets.views import customer as tickets_customer
from tickets.views import staff as tickets_staff


def app_views(app: str, *modules):
    """One app's views in the API or a portal: the app is the URL namespace inside it."""
    return path("", include((routes(*modules), app)))


api_patterns = [
    app_views("accounts", accounts_api),
    app_views("billing", billing_api, billing_api_documents),
    app_views("tickets", tickets_api),
    app_views("quotes", quotes_api, quotes_api_documents),
    app_views("consent", consent_api),
    app_views("credits", credits_api),
    app_views("diagnostics", diagnostics_api, diagnostics_api_documents),
    app_views("outages", outages_api),
    app_views("reporting", reporting_api),
    # Signed-in callers only: staff see every operation, a customer those its role may call.
    path("schema/", accounts_api.SchemaApi.as_view(), name="schema"),
]

customer_patterns = [
    app_views("tickets", tickets_customer),
    app_views("consent", consent_customer),
    app_views("diagnostics", diagnostics_customer),
    app_views("quotes", quotes_customer),
    app_views("billing", billing_customer),
]

staff_patterns = [
    app_views("tickets", tickets_staff),
    app_views("diagnostics", diagnostics_staff),
    app_views("consent", consent_staff),
    app_views("quotes", quotes_staff),
    app_views("mailin", mailin_staff),
    app_views("outages", outages_staff),
    app_views("credits", credits_staff),
]

finance_patterns = [
    app_views("billing", billing_finance),
    app_views("reporting", reporting_finance),
]

urlpatterns = [
    path("api/v1/", include((api_patterns, "api"))),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    # Behind the portal login; the page then fetches the schema with the browser's session.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="api-docs",
    ),
    path("health/", site_views.health, name="health"),
    # Prometheus' scrapes: private (a bearer token or internal networks), else a 404.
    path("metrics", metrics_view, name="metrics"),
    path("csp-report/", site_views.csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("customer/", include((customer_patterns, "customer"))),
    path("staff/", include((staff_patterns, "staff"))),
    path("finance/", include((finance_patterns, "finance"))),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the switch on every page
    # Passkey ceremonies (django-otp-webauthn), called by its static scripts on the security and verify pages.
    # Its last step is ours first (the same URL): it renews the session's key (accounts.passkeys).
    path("webauthn/authentication/complete/", PasskeyVerifyCompleteView.as_view()),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("", include((routes(outages_public), "outages"))),  # the status page: public, no login
    *routes(account_views),  # sign-in, password reset and the home page that sends each role to its portal
]

handler500 = "config.views.server_error"  # generic page; 503 while the database is unreachable
handler404 = (
    "accounts.views.page_not_found"  # JSON under /api/, as the contract's 404; else in the portal's frame
)
handler403 = "accounts.views.page_forbidden"  # a page of another role's portal, in the person's own frame
