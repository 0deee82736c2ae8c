from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.validators import validate_bic, validate_iban
from config.choices import CachedChoiceLabels
from config.money import MONEY_DIGITS
from config.transitions import writes


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Support agent")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    FRENCH = "fr", "Français"
    GERMAN = "de", "Deutsch"
    ENGLISH = "en", "English"


class BillingEntity(CachedChoiceLabels, models.Model):
    """The provider's company that invoices customers of one country."""

    country = models.CharField(_("country"), max_length=2, unique=True, help_text=_("ISO 3166-1 alpha-2"))
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("address"))
    vat_id = models.CharField(_("VAT number"), max_length=20)
    company_id = models.CharField(
        _("SIREN or Steuernummer"), max_length=30, help_text=_("SIREN in France, Steuernummer in Germany")
    )
    registration = models.CharField(
        _("registration"), max_length=200, blank=True, help_text=_("RCS, Handelsregister")
    )
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, validators=[validate_bic])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(_("document language"), max_length=2, choices=Language.choices)
    late_penalty_rate = models.DecimalField(
        _("late-payment penalty rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Printed on business invoices: a yearly rate, or points above the base rate."),
    )
    late_interest_above_base_rate = models.BooleanField(
        _("late interest above the base rate"),
        default=False,
        help_text=_(
            "The rate is in percentage points above the central bank's base rate "
            "(Germany: 9 points for businesses, § 288 (2) BGB), not a fixed yearly rate."
        ),
    )
    # Customers of countries without an entity of their own: listed ones, or all others (one entity).
    also_bills_countries = models.JSONField(
        _("also bills customers in"),
        default=list,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 codes of countries without an entity of their own."),
    )
    bills_other_countries = models.BooleanField(
        _("bills every other country"),
        default=False,
        help_text=_("Bills customers of every country that no entity has or lists (at most one entity)."),
    )
    # France (CGI art. 269 2 c): a provider of services may opt to pay VAT when it invoices instead of
    # when it is paid; the option is then printed on every invoice and stated in the e-invoice (BT-8).
    vat_on_debits = models.BooleanField(_("VAT on debits (option pour les débits)"), default=False)
    email = models.EmailField(_("e-mail for invoices"), blank=True)
    website = models.CharField(
        _("website"), max_length=200, blank=True, validators=[URLValidator(schemes=["https", "http"])]
    )
    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        help_text=_("Placeholder legal data (seeded): refuses to issue documents outside DEBUG."),
    )

    class Meta:
        ordering = ["country"]
        verbose_name = _("billing entity")
        verbose_name_plural = _("billing entities")
        constraints = [
            models.UniqueConstraint(
                fields=["bills_other_countries"],
                condition=Q(bills_other_countries=True),
                name="one_entity_bills_other_countries",
            )
        ]

    def __str__(self):
        return f"{self.legal_name} ({self.country})"


class Customer(CachedChoiceLabels, FSMModelMixin, models.Model):
    """A customer account of the hosting provider; several users may act for it."""

    class SupportStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        BANNED = "banned", _("Banned from support")

    class BanReason(models.TextChoices):
        REFUSED_INVOICE = "refused_invoice", _("Refused to pay an invoice")
        UNPAID_INVOICE = "unpaid_invoice", _("Left an invoice unpaid past its due day")

    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    # A business buyer in another EU country with a VAT number is invoiced under reverse charge.
    is_business = models.BooleanField(_("business"), default=False)
    billing_address = models.TextField(_("billing address"), blank=True)
    billing_email = models.EmailField(
        _("e-mail for invoices"),
        blank=True,
        help_text=_("The buyer's electronic address on e-invoices."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    # active → banned (refused or lapsed invoice) → active (reinstated by finance or an admin)
    support_status = FSMField(
        _("support status"), default=SupportStatus.ACTIVE, choices=SupportStatus.choices, protected=True
    )
    banned_at = models.DateTimeField(_("banned at"), null=True, blank=True)
    ban_reason = models.CharField(_("ban reason"), max_length=20, choices=BanReason.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        indexes = [models.Index(fields=["support_status", "id"], name="customer_status_idx")]

    def __str__(self):
        return self.name

    @property
    def is_banned(self) -> bool:
        return self.support_status == self.SupportStatus.BANNED

    @writes("banned_at", "ban_reason")
    @transition(field=support_status, source=SupportStatus.ACTIVE, target=SupportStatus.BANNED)
    def ban(self, *, reason: str, at) -> None:
        self.banned_at = at
        self.ban_reason = reason

    @writes("banned_at", "ban_reason")
    @transition(field=support_status, source=SupportStatus.BANNED, target=SupportStatus.ACTIVE)
    def reinstate(self) -> None:
        self.banned_at = None
        self.ban_reason = ""


class Service(CachedChoiceLabels, models.Model):
    """A hosted service of a customer account (server, hosting plan, domain...)."""

    class Kind(models.TextChoices):
        DEDICATED_SERVER = "dedicated_server", _("Dedicated server")
        VPS = "vps", _("Virtual private server")
        WEB_HOSTING = "web_hosting", _("Web hosting")
        DOMAIN = "domain", _("Domain name")
        EMAIL = "email", _("E-mail")
        DATABASE = "database", _("Managed database")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What the contract says of the service, for SLA credits (credits/): whether it carries a service level
    # agreement, and its net monthly price in the currency of the account's billing entity.
    has_sla = models.BooleanField(
        _("covered by an SLA"),
        default=False,
        help_text=_("A provider-fault outage of this service earns the customer an SLA credit."),
    )
    monthly_price = models.DecimalField(
        _("monthly price (net)"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        help_text=_("In the currency of the customer's billing entity; the base of SLA credits."),
        **MONEY_DIGITS,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_price__gte=0), name="service_monthly_price_not_negative"
            )
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("role", Role.CUSTOMER)
        extra.setdefault("is_staff", extra["role"] == Role.ADMIN)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(CachedChoiceLabels, AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; `role` says which portal is theirs."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CUSTOMER)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    # Staff: e-mails telling what customers do on the tickets they hold or the queue (tickets.services
    # .staff_notify); each person may switch them off on their account page.
    email_notices = models.BooleanField(_("e-mail notices"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    # Set by set_password until the next save; not a column.
    password_changed = False

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A customer user belongs to exactly one account; staff belong to none.
            models.CheckConstraint(
                condition=(Q(role=Role.CUSTOMER) & Q(customer__isnull=False))
                | (~Q(role=Role.CUSTOMER) & Q(customer__isnull=True)),
                name="user_customer_iff_customer_role",
            ),
        ]
        # The staff are a few dozen among the customers' hundred thousand users: who to tell of a new ticket
        # (tickets.services.staff_notify) reads them from this index, not from the whole table.
        indexes = [
            models.Index(fields=["role", "id"], condition=~Q(role=Role.CUSTOMER), name="user_staff_idx")
        ]

    def __str__(self):
        return self.email

    def set_password(self, raw_password):
        super().set_password(raw_password)
        # Read by accounts.signals once saved: a new password ends every API token of the account.
        self.password_changed = True

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def preferred_language(self) -> str:
        if self.language:
            return self.language
        if self.customer is not None:
            return self.customer.language
        return Language.ENGLISH


class IdempotencyRecord(models.Model):
    """The first answer to a money action sent with an `Idempotency-Key` (REL-01, REL-02).

    Written in the same transaction as the action itself, so the effect and the stored answer exist
    together or not at all; a retry with the same key gets this answer back instead of acting again.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of method, path and body: the same key sent with other parameters is refused (422).
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(help_text=_("The JSON body of the first answer, byte for byte."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"{self.key} ({self.user_id})"


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`: one per login, expiring, revocable by its owner.

    Only the key's SHA-256 is stored, so a leaked database dump holds no usable key; `prefix` (its
    first characters) lets the owner tell their tokens apart in the list.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    label = models.CharField(
        max_length=200, blank=True, help_text=_("What the client said it is (its User-Agent).")
    )
    # Issued after a second factor was checked; a staff token without one is refused while MFA is required.
    second_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["expires_at"], name="api_token_expires_idx")]

    def __str__(self):
        return f"{self.prefix}… ({self.user_id})"
