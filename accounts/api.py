from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts import mfa, services
from accounts.models import ApiToken, Customer, Role, Service, User
from accounts.permissions import IsAdmin, IsCustomerOrStaffMember, IsStaffMember, is_staff_member
from accounts.selectors import customers_visible_to, services_visible_to
from accounts.tokens import token_issue, tokens_of
from config.errors import CodedPermissionDenied
from config.routing import route
from config.schema import MFA_ERROR, ErrorDetail
from config.scoped import ScopedApi
from config.serializers import id_field, money_field, object_named, optional_boolean, valid_input

NO_SUCH_CUSTOMER = "No such customer account."


class CustomerOutput(serializers.ModelSerializer):
    ban_reason = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "country",
            "vat_id",
            "billing_address",
            "language",
            "support_status",
            "banned_at",
            "ban_reason",
            "is_business",
            "billing_email",
        ]

    def get_ban_reason(self, obj) -> str | None:
        return obj.ban_reason or None


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "role", "customer"]


class MeOutput(serializers.ModelSerializer):
    customer = CustomerOutput(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "role", "customer"]


class ServiceOutput(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "customer", "name", "kind", "has_sla", "monthly_price"]


class LoginLockedOut(exceptions.Throttled):
    default_detail = "Too many failed logins for this e-mail address from this address; try again later."

    def __init__(self):
        super().__init__(wait=settings.AXES_COOLOFF_TIME.total_seconds())


class TokenIssued(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key, shown this once; send it as `Authorization: Token <key>`."
    )
    id = serializers.IntegerField(help_text="Names the token in `/auth/tokens/`.")
    expires_at = serializers.DateTimeField()


class ApiTokenOutput(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "label", "created_at", "expires_at", "last_used_at", "current"]

    def get_current(self, obj) -> bool:
        return obj == self.context["request"].auth


class MfaEnrolmentRequired(CodedPermissionDenied):
    code = "mfa_enrolment_required"
    default_detail = (
        "This account must enrol a second factor first: log in to the portal, where the security page sets "
        "up an authenticator app."
    )


class MfaCodeRequired(CodedPermissionDenied):
    code = "mfa_required"
    default_detail = "This account must give a second factor: send `otp`, a code of its authenticator app."


@route("auth/token/", name="token")
class TokenObtainApi(APIView):
    """A new token for an e-mail and password; staff (and customers who enrolled) add `otp` (SEC-10).

    403 `mfa_enrolment_required`: the account must give a second factor and has none yet (enrol in the
    portal); 403 `mfa_required`: `otp` is missing; 400 `{"otp": [...]}`: it is wrong or was already used.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        otp = serializers.CharField(
            max_length=32,
            required=False,
            help_text="A code of the account's authenticator app (or a recovery code); needed by staff.",
        )

    @extend_schema(
        request=Input,
        responses={
            200: TokenIssued,
            403: OpenApiResponse(
                response=MFA_ERROR,
                description="`mfa_enrolment_required` (no second factor enrolled yet) or `mfa_required` "
                "(`otp` missing).",
            ),
            429: ErrorDetail,
        },
    )
    def post(self, request):
        values = valid_input(self.Input, request.data)
        otp = values.pop("otp", None)
        user = authenticate(request, **values)
        if getattr(request, "axes_locked_out", False):
            # SEC-07: this (e-mail, IP) pair failed too often; even the right password waits out the lock.
            raise LoginLockedOut()
        if user is None:
            # The same answer for an unknown e-mail and a wrong password.
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with these credentials."]}
            )
        # The second factor is checked before the login counts (the signal below), so django-axes does not
        # forget earlier failures on a password alone.
        second_factor = mfa.second_factor_due(user)
        if second_factor:
            if not (mfa.has_second_factor(user) or mfa.test_secret_usable_by(user)):
                raise MfaEnrolmentRequired()
            if not otp:
                raise MfaCodeRequired()
            if mfa.verify_code(user, otp, request=request) is None:
                # A failed login for django-axes too: guessing codes locks the (e-mail, IP) pair as guessing
                # passwords does (each device also slows down its own guesses).
                user_login_failed.send(
                    sender=__name__, credentials={"username": values["email"]}, request=request
                )
                if getattr(request, "axes_locked_out", False):
                    raise LoginLockedOut()
                raise serializers.ValidationError({"otp": ["This code is not valid (or was already used)."]})
        # A token is a login: last_login moves, and django-axes forgets this pair's earlier failures.
        # django-axes also names its access log row by the session, creating one if there is none; a
        # token is not a browser login, so that session is dropped before it becomes a cookie.
        had_session = request.session.session_key is not None
        user_logged_in.send(sender=type(user), request=request, user=user)
        if not had_session:
            request.session.flush()
        # Every login gets its own token, so each client can be revoked alone.
        key, token = token_issue(
            user, second_factor=second_factor, label=request.headers.get("User-Agent", "")
        )
        return Response({"token": key, "id": token.id, "expires_at": token.expires_at})


@route("auth/tokens/", name="tokens")
class ApiTokenListApi(generics.ListAPIView):
    """The caller's own live tokens, newest first; the keys themselves are never shown again."""

    serializer_class = ApiTokenOutput

    def get_queryset(self):
        return tokens_of(self.request.user)


@route("auth/tokens/<int:pk>/", name="token-detail")
class ApiTokenDetailApi(generics.DestroyAPIView):
    """Revoke one of the caller's tokens (another user's token is a 404)."""

    def get_queryset(self):
        return tokens_of(self.request.user)

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)


@route("auth/logout/", name="logout")
class LogoutApi(APIView):
    """Revoke the token this request carries, or end the browser session it came with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            request.auth.delete()
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema, for signed-in callers only (it names internal endpoints).

    Staff get all of it. A customer gets the operations its role may call: each view's own permission
    classes decide, as for a real request (drf-spectacular's non-public generation), so the schema and the
    access rules cannot disagree.
    """

    # The API's own authentication (token or session); anonymous callers get the contract's 401.
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and the permission check
        self.serve_public = is_staff_member(request.user)


@route("me/", name="me")
class MeApi(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = User.objects.select_related("customer").get(pk=request.user.pk)
        return Response(MeOutput(user).data)


class _ScopedApi(ScopedApi):
    # What the caller may see (config.scoped); adding to it (POST) is an administrator's.
    # No docstring: the schema would show it as the description of the views that have none.

    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else super().get_permissions()


class _ListCreateApi(generics.ListCreateAPIView):
    # POST: the view's `Input` (config.schema) to the `use_case` that creates the row, given the account a
    # `customer` id names (an id naming none is a 400); the answer is the new row, 201.

    use_case: Callable
    Input: type[serializers.Serializer]

    def create(self, request, *args, **kwargs):
        values = valid_input(self.Input, request.data)
        if "customer" in values:
            values["customer"] = object_named(
                Customer.objects, values["customer"], field="customer", error=NO_SUCH_CUSTOMER
            )
        row = self.use_case(**values)
        return Response(self.get_serializer_class()(row).data, status=status.HTTP_201_CREATED)


@route("customers/", name="customers")
class CustomerListCreateApi(_ScopedApi, _ListCreateApi):
    serializer_class = CustomerOutput
    permission_classes = [IsStaffMember]
    visible_to = staticmethod(customers_visible_to)
    use_case = staticmethod(services.customer_create)

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        country = serializers.CharField(max_length=2, min_length=2)
        vat_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
        billing_address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=["fr", "de", "en"], required=False)
        # Default: a business when a VAT number is given (the reverse charge needs it).
        is_business = optional_boolean()
        billing_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


@route("customers/<int:pk>/", name="customer")
class CustomerDetailApi(_ScopedApi, generics.RetrieveAPIView):
    serializer_class = CustomerOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(customers_visible_to)


@route("users/", name="users")
class UserListCreateApi(_ListCreateApi):
    serializer_class = UserOutput
    permission_classes = [IsAdmin]
    queryset = User.objects.order_by("-id")
    use_case = staticmethod(services.user_create)

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        role = serializers.ChoiceField(choices=Role.choices)
        customer = id_field(required=False, allow_null=True)
        full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


@route("services/", name="services")
class ServiceListCreateApi(_ScopedApi, _ListCreateApi):
    serializer_class = ServiceOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(services_visible_to)
    use_case = staticmethod(services.service_create)

    class Input(serializers.Serializer):
        customer = id_field()
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Service.Kind.choices)
        has_sla = serializers.BooleanField(
            required=False, default=False, help_text="A provider-fault outage earns an SLA credit."
        )
        monthly_price = money_field(
            required=False,
            min_value=Decimal("0.00"),
            default=Decimal("0.00"),
            help_text="Net, in the currency of the account's billing entity; the base of SLA credits.",
        )


@route("services/<int:pk>/", name="service")
class ServiceDetailApi(_ScopedApi, generics.RetrieveAPIView):
    serializer_class = ServiceOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(services_visible_to)
