"""Log in (password, then the second factor) and out, reset a forgotten password, enrol and manage second
factors, and send each role to its portal."""

from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, RedirectView, TemplateView

from accounts import mfa, services
from accounts.permissions import SupportRequiredMixin, is_customer, is_finance, is_support
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
        user = form.get_user()
        if mfa.second_factor_due(user):
            # SEC-10: the password alone opens nothing; the next page asks for (or enrols) the second factor.
            step = (
                "mfa_verify"
                if mfa.has_second_factor(user) or mfa.test_secret_usable_by(user)
                else "mfa_security"
            )
            response = redirect(f"{reverse(step)}?{urlencode({REDIRECT_FIELD_NAME: self.get_success_url()})}")
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


# Each portal's landing page.
PORTAL_HOMES = {
    "customer": "customer:tickets:dashboard",
    "staff": "staff:tickets:queue",
    "finance": "finance:billing:invoices",
}


def portal_of(user) -> str | None:
    """The portal `user` works in (its frame and menu), None for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return None
    if is_customer(user):
        return "customer"
    if is_support(user):
        return "staff"
    if is_finance(user):
        return "finance"
    return None


@route("", name="home")
class HomeView(LoginRequiredMixin, RedirectView):
    """Each role lands on its own portal."""

    def get_redirect_url(self, *args, **kwargs):
        portal = portal_of(self.request.user)
        return reverse_lazy(PORTAL_HOMES[portal] if portal else "login")


def _error_page(request, status: int, title, text) -> HttpResponse:
    """A 403 or 404 in the frame of the portal the person works in, with the way back to it."""
    if request.path.startswith("/api/"):
        # The contract's bodies (a DRF view answers its own; this is a URL no endpoint matched).
        body = (
            {"detail": "Not found."} if status == 404 else {"code": "permission_denied", "detail": str(text)}
        )
        return JsonResponse(body, status=status)
    portal = portal_of(getattr(request, "user", None))
    context = {
        "base_template": f"{portal}/base.html" if portal else "base.html",
        "title": title,
        "text": text,
        "status": status,
    }
    return render(request, "error_page.html", context, status=status)


def page_forbidden(request, exception=None):
    """handler403: a page of another role's portal."""
    return _error_page(
        request,
        403,
        _("This page is not for your account"),
        _("It belongs to another part of Incident Desk. Your own pages are a click away."),
    )


def page_not_found(request, exception=None):
    """handler404: no such page, or an object that is not your account's (never told apart)."""
    return _error_page(
        request,
        404,
        _("Page not found"),
        _("This page does not exist, or it is not part of your account."),
    )


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


# ------------------------------------------------------------------------------------ second factor (SEC-10)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.device = None

    def clean_code(self):
        self.device = mfa.verify_code(self.user, self.cleaned_data["code"], request=self.request)
        if self.device is None:
            raise forms.ValidationError(_("This code is not valid (or was already used)."), code="invalid")
        return ""


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@route("login/verify/", name="mfa_verify")
class MfaVerifyView(LoginRequiredMixin, FormView):
    """The second step of a login: a code of the user's app, a recovery code, or a passkey."""

    template_name = "accounts/mfa_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        mfa.session_reread(request.session)
        if user.is_authenticated and not mfa.session_owes_second_factor(user):
            return redirect(_next_url(request))
        if user.is_authenticated and not (mfa.has_second_factor(user) or mfa.test_secret_usable_by(user)):
            return redirect("mfa_security")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            next=_next_url(self.request),
            has_passkey=mfa.passkeys_of(self.request.user).exists(),
        )

    def form_valid(self, form):
        django_otp.login(self.request, form.device)
        # A new session key once the login is complete (SEC-11), as at the password step.
        self.request.session.cycle_key()
        return redirect(_next_url(self.request))


@route("account/security/", name="mfa_security")
class MfaSecurityView(LoginRequiredMixin, TemplateView):
    """The user's second factors; enrolment of an authenticator app when there is none yet."""

    template_name = "accounts/mfa_security.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_verified() and mfa.recovery_codes_missing(request.user):
            # A passkey was the first second factor: its recovery codes, shown this once.
            return _recovery_codes_page(request)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        devices = mfa.devices_of(user)
        context = super().get_context_data(**kwargs, **devices, required=mfa.mfa_required_for(user))
        if not devices["totp"]:
            pending = mfa.totp_enrolment_pending(user) or mfa.totp_enrolment_start(user)
            context.update(
                enrol_form=kwargs.get("enrol_form") or EnrolForm(),
                qr_svg=mfa.totp_qr_svg(pending),
                secret=mfa.totp_secret(pending),
            )
        return context


@route("account/security/totp/", name="mfa_totp_confirm")
class MfaTotpConfirmView(LoginRequiredMixin, View):
    """Confirming the app with one of its codes enrols it; the recovery codes are shown this once."""

    def post(self, request):
        form = EnrolForm(request.POST)
        device = form.is_valid() and mfa.totp_enrolment_confirm(request.user, form.cleaned_data["code"])
        if not device:
            form.add_error("code", _("This code is not valid. Check the time of your device and try again."))
            return render(
                request,
                MfaSecurityView.template_name,
                MfaSecurityView(request=request).get_context_data(enrol_form=form),
                status=400,
            )
        if not request.user.is_verified():
            # Enrolling proves the app: the session counts as verified with it, as after a login.
            django_otp.login(request, device)
        return _recovery_codes_page(request)


def _recovery_codes_page(request):
    codes = mfa.recovery_codes_generate(request.user)
    response = render(
        request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )
    response["Cache-Control"] = "no-store"
    return response


class _ReverifiedView(LoginRequiredMixin, View):
    """A change to the second factors asks for a current code first, even in a verified session."""

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST, user=request.user, request=request)
        if not form.is_valid():
            messages.error(request, _("This code is not valid (or was already used)."))
            return redirect("mfa_security")
        return self.act(request, *args, **kwargs)

    def act(self, request, *args, **kwargs):
        raise NotImplementedError


@route("account/security/recovery-codes/", name="mfa_recovery_codes")
class MfaRecoveryCodesView(_ReverifiedView):
    def act(self, request):
        return _recovery_codes_page(request)


@route("account/security/<str:kind>/<int:pk>/remove/", name="mfa_device_remove")
class MfaDeviceRemoveView(_ReverifiedView):
    def act(self, request, kind, pk):
        if mfa.device_remove(request.user, kind=kind, pk=pk):
            messages.success(request, _("The device was removed."))
        return redirect("mfa_security")


@route("account/security/passkeys/", name="mfa_passkeys")
class MfaPasskeysView(LoginRequiredMixin, TemplateView):
    """Registering a passkey (django-otp-webauthn's ceremony, its script a static file: the CSP stays strict)."""

    template_name = "accounts/mfa_passkeys.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, passkeys=mfa.passkeys_of(self.request.user))


class NoticesForm(forms.Form):
    email_notices = forms.BooleanField(
        label=_("Send me e-mail notices"),
        required=False,
    )


@route("account/notices/", name="account_notices")
class AccountNoticesView(SupportRequiredMixin, FormView):
    """The support staff's e-mail notices (tickets.services.staff_notify): on unless switched off here."""

    template_name = "accounts/notices.html"
    form_class = NoticesForm

    def get_initial(self):
        return {"email_notices": self.request.user.email_notices}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, queue_email=settings.SUPPORT_QUEUE_EMAIL)

    def form_valid(self, form):
        on = form.cleaned_data["email_notices"]
        services.user_email_notices_set(user=self.request.user, on=on)
        messages.success(self.request, _("E-mail notices are on.") if on else _("E-mail notices are off."))
        return redirect("account_notices")
