from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Customer, Language, Role, Service, User
from accounts.selectors import billing_entity_for_country, is_country_code
from accounts.validators import normalize_vat_id

_DEFAULT_LANGUAGE_BY_COUNTRY = {"FR": Language.FRENCH, "DE": Language.GERMAN, "AT": Language.GERMAN}


def customer_create(
    *,
    name: str,
    country: str,
    vat_id: str = "",
    billing_address: str = "",
    language: str = "",
    is_business: bool | None = None,
    billing_email: str = "",
) -> Customer:
    """A customer account can only exist in a country one of our billing entities invoices.

    `is_business` defaults to whether a VAT number is given: a VAT number is what a business buyer
    in another EU country needs to be invoiced under reverse charge.
    """
    country = (country or "").upper()
    if not is_country_code(country):
        raise ValidationError({"country": [_("This is not an ISO 3166-1 alpha-2 country code.")]})
    if billing_entity_for_country(country=country) is None:
        raise ValidationError({"country": [_("We have no billing entity in this country.")]})
    if vat_id:
        try:
            vat_id = normalize_vat_id(vat_id, country=country)
        except ValidationError as exc:
            raise ValidationError({"vat_id": exc.messages}) from exc
    language = language or _DEFAULT_LANGUAGE_BY_COUNTRY.get(country, Language.ENGLISH)
    return Customer.objects.create(
        name=name,
        country=country,
        vat_id=vat_id,
        billing_address=billing_address,
        language=language,
        is_business=bool(vat_id) if is_business is None else is_business,
        billing_email=billing_email,
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


def service_create(
    *,
    customer: Customer,
    name: str,
    kind: str,
    has_sla: bool = False,
    monthly_price: Decimal = Decimal("0.00"),
) -> Service:
    if kind not in Service.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of service.")]})
    return Service.objects.create(
        customer=customer, name=name, kind=kind, has_sla=has_sla, monthly_price=monthly_price
    )


def password_reset_request(*, email: str, domain: str, use_https: bool) -> None:
    """SEC-08: the same work for a known and an unknown address: the mail is built and sent by a task.

    Looking the address up here would make the response measurably slower for real accounts.
    """
    from accounts.tasks import password_reset_mail_task  # the task module imports this one

    email = (email or "")[:254]
    transaction.on_commit(
        lambda: password_reset_mail_task.delay(email=email, domain=domain, use_https=use_https), robust=True
    )


def password_reset_mail_send(*, email: str, domain: str, use_https: bool) -> int:
    """Send a reset link to each active user with this address, in that user's language; 0 if none."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    sent = 0
    for user in User.objects.filter(email__iexact=email, is_active=True):
        if not user.has_usable_password():
            continue
        with translation.override(user.preferred_language):
            path = reverse(
                "password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            context = {"user": user, "link": f"{'https' if use_https else 'http'}://{domain}{path}"}
            subject = render_to_string("email/accounts/password_reset_subject.txt", context).strip()
            body = render_to_string("email/accounts/password_reset.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent


def user_email_notices_set(*, user: User, on: bool) -> User:
    """A staff member chooses whether the staff notices (what customers do on tickets) reach them by e-mail."""
    user.email_notices = on
    user.save(update_fields=["email_notices"])
    return user
