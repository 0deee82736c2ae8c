from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Customer, Language, Role, Service, User
from accounts.selectors import billing_entity_for_country
from accounts.validators import normalize_vat_id

_DEFAULT_LANGUAGE_BY_COUNTRY = {"FR": Language.FRENCH, "DE": Language.GERMAN, "AT": Language.GERMAN}


def customer_create(
    *, name: str, country: str, vat_id: str = "", billing_address: str = "", language: str = ""
) -> Customer:
    """A customer account can only exist in a country where one of our billing entities invoices it."""
    country = (country or "").upper()
    entity = billing_entity_for_country(country=country)
    if entity is None:
        raise ValidationError({"country": [_("We have no billing entity in this country.")]})
    if vat_id:
        try:
            vat_id = normalize_vat_id(vat_id, country=country)
        except ValidationError as exc:
            raise ValidationError({"vat_id": exc.messages}) from exc
    language = language or _DEFAULT_LANGUAGE_BY_COUNTRY.get(country, Language.ENGLISH)
    return Customer.objects.create(
        name=name, country=country, vat_id=vat_id, billing_address=billing_address, language=language
    )


def user_create(
    *, email: str, password: str, role: str, customer: Customer | None = None, full_name: str = ""
) -> User:
    """Customer users belong to exactly one account; staff belong to none. Passwords meet the policy."""
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [_("Unknown role.")]
    elif role == Role.CUSTOMER and customer is None:
        errors["customer"] = [_("A customer user needs a customer account.")]
    elif role != Role.CUSTOMER and customer is not None:
        errors["customer"] = [_("Only customer users belong to a customer account.")]
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("A user with this e-mail address already exists.")]
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, role=role, customer=customer, full_name=full_name
            )
    except IntegrityError as exc:  # the same e-mail registered a moment ago
        raise ValidationError({"email": [_("A user with this e-mail address already exists.")]}) from exc


def service_create(*, customer: Customer, name: str, kind: str) -> Service:
    if kind not in Service.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of service.")]})
    return Service.objects.create(customer=customer, name=name, kind=kind)
