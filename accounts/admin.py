from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import ApiToken, BillingEntity, Customer, IdempotencyRecord, Service, User
from config.admin import ReadOnlyInline


class ApiTokenInline(ReadOnlyInline):
    """The account's live API tokens; an administrator may revoke one (delete), never make or read a key."""

    model = ApiToken
    fields = ("prefix", "label", "created_at", "expires_at", "last_used_at", "second_factor")
    readonly_fields = fields
    can_delete = True

    def has_change_permission(self, request, obj=None):
        return False


class _SecondFactorInline(ReadOnlyInline):
    """A person's second factors (SEC-10): an administrator removes a lost one, so that its owner enrols
    anew at the next login; never sees or sets a key, a code or a recovery code."""

    fields = ("name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    can_delete = True

    def has_change_permission(self, request, obj=None):
        return False


class TotpDeviceInline(_SecondFactorInline):
    model = TOTPDevice
    verbose_name = _("Authenticator app")
    verbose_name_plural = _("Authenticator apps")


class PasskeyInline(_SecondFactorInline):
    model = WebAuthnCredential
    verbose_name = _("Passkey")
    verbose_name_plural = _("Passkeys")


class RecoveryCodesInline(_SecondFactorInline):
    model = StaticDevice
    verbose_name = _("Recovery codes")
    verbose_name_plural = _("Recovery codes")


# django-otp's own pages show and edit the TOTP keys and the recovery codes themselves: the secrets of the
# second factor. The user's page lists the devices instead (above).
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ApiTokenInline, TotpDeviceInline, PasskeyInline, RecoveryCodesInline]
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "customer", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language"]}),
        (_("Role"), {"fields": ["role", "customer", "is_active"]}),
        (
            _("Django admin"),
            {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"], "classes": ["collapse"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "customer", "password1", "password2"]})
    ]
    readonly_fields = ["last_login", "date_joined"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


class UserInline(ReadOnlyInline):
    model = User
    fields = ["email", "full_name", "role", "is_active"]
    readonly_fields = ["email", "role"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "vat_id", "is_business", "language", "support_status", "banned_at"]
    list_filter = ["country", "is_business", "support_status", "language"]
    search_fields = ["name", "vat_id"]
    # The support status changes only through the ban and reinstatement services.
    readonly_fields = ["support_status", "banned_at", "ban_reason", "created_at"]
    inlines = [UserInline, ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "customer", "has_sla", "monthly_price"]
    list_filter = ["kind", "has_sla"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(BillingEntity)
class BillingEntityAdmin(admin.ModelAdmin):
    list_display = [
        "country",
        "legal_name",
        "vat_id",
        "company_id",
        "currency",
        "language",
        "also_bills_countries",
        "bills_other_countries",
        "is_demo",
    ]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Read-only: a stored answer is evidence of what a retried money action returned."""

    list_display = ["key", "user", "status_code", "created_at"]
    search_fields = ["key", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "key", "fingerprint", "status_code", "body", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
