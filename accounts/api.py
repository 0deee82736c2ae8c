from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import Customer, Role, Service, User
from accounts.permissions import IsAdmin, IsCustomerOrStaffMember, IsStaffMember
from accounts.selectors import customers_visible_to, services_visible_to
from config.routing import route
from config.schema import ErrorDetail
from config.serializers import object_named, valid_input

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
        fields = ["id", "customer", "name", "kind"]


class LoginLockedOut(exceptions.Throttled):
    default_detail = "Too many failed logins for this e-mail address from this address; try again later."

    def __init__(self):
        super().__init__(wait=settings.AXES_COOLOFF_TIME.total_seconds())


@route("auth/token/", name="token")
class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    @extend_schema(
        request=Input,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), 429: ErrorDetail},
    )
    def post(self, request):
        user = authenticate(request, **valid_input(self.Input, request.data))
        if getattr(request, "axes_locked_out", False):
            # SEC-07: this (e-mail, IP) pair failed too often; even the right password waits out the lock.
            raise LoginLockedOut()
        if user is None:
            # The same answer for an unknown e-mail and a wrong password.
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with these credentials."]}
            )
        # A token is a login: last_login moves, and django-axes forgets this pair's earlier failures.
        user_logged_in.send(sender=type(user), request=request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


@route("me/", name="me")
class MeApi(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = User.objects.select_related("customer").get(pk=request.user.pk)
        return Response(MeOutput(user).data)


class _ScopedApi:
    # What the caller may see (`visible_to`, a scoped selector); adding to it (POST) is an administrator's.
    # No docstring: the schema would show it as the description of the views that have none.

    visible_to: Callable

    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else super().get_permissions()

    def get_queryset(self):
        return self.visible_to(user=self.request.user)


@route("customers/", name="customers")
class CustomerListCreateApi(_ScopedApi, generics.ListAPIView):
    serializer_class = CustomerOutput
    permission_classes = [IsStaffMember]
    visible_to = staticmethod(customers_visible_to)

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        country = serializers.CharField(max_length=2, min_length=2)
        vat_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
        billing_address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=["fr", "de", "en"], required=False)
        # Default: a business when a VAT number is given (the reverse charge needs it).
        is_business = serializers.BooleanField(required=False, allow_null=True, default=None)
        billing_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    @extend_schema(request=Input, responses={201: CustomerOutput})
    def post(self, request):
        customer = services.customer_create(**valid_input(self.Input, request.data))
        return Response(CustomerOutput(customer).data, status=status.HTTP_201_CREATED)


@route("customers/<int:pk>/", name="customer")
class CustomerDetailApi(_ScopedApi, generics.RetrieveAPIView):
    serializer_class = CustomerOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(customers_visible_to)


@route("users/", name="users")
class UserListCreateApi(generics.ListAPIView):
    serializer_class = UserOutput
    permission_classes = [IsAdmin]
    queryset = User.objects.order_by("-id")

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        role = serializers.ChoiceField(choices=Role.choices)
        customer = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
        full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=Input, responses={201: UserOutput})
    def post(self, request):
        values = valid_input(self.Input, request.data)
        customer = object_named(
            Customer.objects, values.pop("customer", None), field="customer", error=NO_SUCH_CUSTOMER
        )
        user = services.user_create(customer=customer, **values)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


@route("services/", name="services")
class ServiceListCreateApi(_ScopedApi, generics.ListAPIView):
    serializer_class = ServiceOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(services_visible_to)

    class Input(serializers.Serializer):
        customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Service.Kind.choices)

    @extend_schema(request=Input, responses={201: ServiceOutput})
    def post(self, request):
        values = valid_input(self.Input, request.data)
        customer = object_named(
            Customer.objects, values.pop("customer"), field="customer", error=NO_SUCH_CUSTOMER
        )
        service = services.service_create(customer=customer, **values)
        return Response(ServiceOutput(service).data, status=status.HTTP_201_CREATED)


@route("services/<int:pk>/", name="service")
class ServiceDetailApi(_ScopedApi, generics.RetrieveAPIView):
    serializer_class = ServiceOutput
    permission_classes = [IsCustomerOrStaffMember]
    visible_to = staticmethod(services_visible_to)
