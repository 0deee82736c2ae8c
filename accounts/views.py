"""Log in and out, reset a forgotten password, and send each role to its portal."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, RedirectView, TemplateView

from accounts import services
from accounts.permissions import is_customer, is_finance, is_support
from config.ratelimit import rate_limit_hit, rate_limited
from config.routing import route


class LoginForm(AuthenticationForm):
    """The same message for an unknown address and a wrong password (SEC-08)."""

    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("This e-mail address and password do not match an active account."),
        "inactive": _("This e-mail address and password do not match an active account."),
    }


@route("login/", name="login")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The account's language from now on, until the person picks another with the switch.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.get_user().preferred_language,
            samesite="Lax",
            httponly=True,
            secure=self.request.is_secure(),
        )
        return response


@route("logout/", name="logout")
class LogoutView(auth_views.LogoutView):
    next_page = "login"


@route("", name="home")
class HomeView(LoginRequiredMixin, RedirectView):
    """Each role lands on its own portal."""

    def get_redirect_url(self, *args, **kwargs):
        user = self.request.user
        if is_customer(user):
            return reverse_lazy("customer:tickets:dashboard")
        if is_support(user):
            return reverse_lazy("staff:tickets:queue")
        if is_finance(user):
            return reverse_lazy("finance:billing:invoices")
        return reverse_lazy("login")


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


@route("password-reset/", name="password_reset")
@rate_limited("password_reset")  # per client IP: a 429 that says nothing of the address
class PasswordResetView(FormView):
    """Always the same answer, whether or not the address has an account (SEC-08).

    Past the limit of one address, the answer stays the same and no e-mail goes (the mailbox is spared,
    and the answer still tells nothing of whether the address has an account).
    """

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if rate_limit_hit("password_reset", {"address": email.strip().lower()}) is None:
            services.password_reset_request(
                email=email, domain=self.request.get_host(), use_https=self.request.is_secure()
            )
        return redirect("password_reset_done")


@route("password-reset/sent/", name="password_reset_done")
class PasswordResetDoneView(TemplateView):
    template_name = "accounts/password_reset_done.html"


@route("password-reset/<uidb64>/<token>/", name="password_reset_confirm")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


@route("password-reset/done/", name="password_reset_complete")
class PasswordResetCompleteView(TemplateView):
    template_name = "accounts/password_reset_complete.html"
