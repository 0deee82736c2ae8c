"""The site map: the API under api:, the portals under customer:, staff:, finance:, and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views

api_patterns = [
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("tickets.urls")),
    path("", include("quotes.urls")),
    path("", include("diagnostics.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("api/v1/", include((api_patterns, "api"))),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("", account_views.HomeView.as_view(), name="home"),
]
