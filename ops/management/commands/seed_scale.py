"""`python manage.py seed_scale [--scale F]`: a provider-sized data set for benchmarks, written with COPY.

At scale 1: 100,000 customer accounts, 1,000,000 tickets in every kind and state, 300,000 invoices (a
tenth of them open and not yet due), 3,000,000 messages, with what each ticket implies: a fee snapshot
on every incident, a diagnosis for every concluded one, a quote for every quoted one, the invoice the
outcome table calls for, payments, credit notes and bans for refused and lapsed invoices, and the
document counters, so that the next invoice issued continues each series without a gap.

It lives in the top app because it writes rows of every app. Rows are generated in Python from a fixed
random seed (the same scale gives the same data) and streamed to PostgreSQL with psycopg 3's COPY:
about 100 times faster than `bulk_create`, and memory stays flat because no model instance is built.
Columns the seed does not know (a field added later) get the field's default, so the seed keeps working
as models grow; a new required field without a default makes it fail loudly instead.
"""

import random
import time
from array import array
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import BillingEntity, Customer, Role, Service, User
from billing.models import BanEvent, CreditNote, DocumentCounter, Invoice, InvoiceLine, Payment
from billing.pricing import INTRODUCTORY_PERIOD
from billing.services import LineSpec, document_number, totals_for
from billing.tax import standard_rate
from config.money import vat_on
from diagnostics.models import Diagnosis
from quotes.models import Quote, QuoteLine
from tickets import sla
from tickets.fees import BillingMoment, Outcome, ticket_charge
from tickets.models import Message, Ticket, TicketEvent

# The password of every seeded user, so that the benchmark can log in as any of them.
SCALE_PASSWORD = "bench-incident-desk-2026"
EMAIL_DOMAIN = "scale.example"
SEED = 20261126
FEE_NET = Decimal("20.00")
PAYMENT_DAYS = 30
HISTORY_DAYS = 730
CUSTOMERS_PER_SCALE = 100_000
TICKETS_PER_SCALE = 1_000_000
MESSAGES_PER_TICKET = 3
OPEN_INVOICE_SHARE = 10  # one invoice in ten is open and not yet due
# The invoice rows' columns, in the order both the seeding and overdue_invoices_add write them.
INVOICE_COLUMNS = [
    "id",
    "entity_id",
    "customer_id",
    "ticket_id",
    "number",
    "status",
    "issued_on",
    "due_on",
    "service_date",
    "charges_diagnosis_fee",
    "net",
    "vat_rate",
    "vat",
    "gross",
    "currency",
    "customer_name",
    "customer_address",
    "customer_vat_id",
    "closed_at",
    "created_at",
    "customer_country",
    "language",
]
# One message count per ticket in a cycle that averages exactly MESSAGES_PER_TICKET.
MESSAGE_CYCLE = (0, 6, 2, 4, 1, 5, 3)

K, S = Ticket.Kind, Ticket.State
HOUR, DAY = 3600.0, 86400.0


class Category:
    """One kind of ticket history: its kind, final state, diagnosis, quote and what it was billed."""

    def __init__(
        self, name, kind, status, per_million, *, outcome=None, quote=None, billed=None, fee_free=False
    ):
        self.name, self.kind, self.status, self.per_million = name, kind, status, per_million
        self.outcome, self.quote, self.billed, self.fee_free = outcome, quote, billed, fee_free
        self.incident = kind == K.INCIDENT
        self.active = status in (S.OPEN, S.DIAGNOSING, S.QUOTE_SENT, S.IN_WORK)
        self.started = status not in (S.OPEN, S.CANCELLED) and self.incident
        self.concluded = outcome is not None
        # Seconds from opening to the last thing that happened to the ticket (or its bill).
        if not self.incident:
            self.span = 4 * HOUR if status == S.CLOSED else 30 * 60 if status == S.CANCELLED else 0
        elif quote == Quote.State.EXPIRED:
            self.span = DAY + 15 * DAY
        elif status == S.RESOLVED and quote:
            self.span = DAY + 5 * DAY
        elif quote in (Quote.State.ACCEPTED, Quote.State.DECLINED):
            self.span = DAY + 3 * DAY
        elif self.concluded:
            self.span = DAY
        elif status == S.DIAGNOSING:
            self.span = HOUR
        else:
            self.span = 30 * 60 if status == S.CANCELLED else 0

    def __repr__(self):
        return self.name


QA, QD, QE, QS = Quote.State.ACCEPTED, Quote.State.DECLINED, Quote.State.EXPIRED, Quote.State.SENT
# Per million tickets: 400,000 questions and 600,000 incidents; the billed ones add up to 300,000.
# Of each kind of question, 90 % are answered and closed, 5 % still open and 5 % cancelled.
QUESTIONS = (
    ("technical", K.TECHNICAL, 200_000),
    ("commercial", K.COMMERCIAL, 100_000),
    ("sla", K.SLA_CLAIM, 100_000),
)
CATEGORIES = [
    *(
        Category(f"{name}_{status.value}", kind, status, per_million * percent // 100)
        for name, kind, per_million in QUESTIONS
        for status, percent in ((S.CLOSED, 90), (S.OPEN, 5), (S.CANCELLED, 5))
    ),
    Category("incident_open", K.INCIDENT, S.OPEN, 10_000),
    Category("incident_diagnosing", K.INCIDENT, S.DIAGNOSING, 8_000),
    Category("incident_cancelled", K.INCIDENT, S.CANCELLED, 22_000),
    Category("incident_fixed", K.INCIDENT, S.RESOLVED, 220_000, outcome=Outcome.FIXED, billed="fee"),
    Category("incident_fixed_free", K.INCIDENT, S.RESOLVED, 10_000, outcome=Outcome.FIXED, fee_free=True),
    Category("incident_provider_fault", K.INCIDENT, S.RESOLVED, 170_000, outcome=Outcome.PROVIDER_FAULT),
    Category("incident_no_quote", K.INCIDENT, S.CLOSED, 30_000, outcome=Outcome.NO_QUOTE),
    Category("incident_no_competence", K.INCIDENT, S.CLOSED, 30_000, outcome=Outcome.NO_COMPETENCE),
    Category("incident_quote_sent", K.INCIDENT, S.QUOTE_SENT, 10_000, outcome=Outcome.QUOTED, quote=QS),
    Category("incident_in_work", K.INCIDENT, S.IN_WORK, 10_000, outcome=Outcome.QUOTED, quote=QA),
    Category(
        "incident_declined", K.INCIDENT, S.CLOSED, 30_000, outcome=Outcome.QUOTED, quote=QD, billed="fee"
    ),
    Category(
        "incident_expired", K.INCIDENT, S.CLOSED, 10_000, outcome=Outcome.QUOTED, quote=QE, billed="fee"
    ),
    Category(
        "incident_completed",
        K.INCIDENT,
        S.RESOLVED,
        40_000,
        outcome=Outcome.QUOTED,
        quote=QA,
        billed="fee+quote",
    ),
]
assert sum(c.per_million for c in CATEGORIES) == 1_000_000

QUOTE_TEMPLATES = [
    [("Replace disk", Decimal("2"), Decimal("49.95")), ("Labour", Decimal("1.5"), Decimal("60.00"))],
    [("Restore from backup", Decimal("1"), Decimal("120.00"))],
    [
        ("Migrate the database to a new server", Decimal("1"), Decimal("250.00")),
        ("Labour", Decimal("3"), Decimal("60.00")),
    ],
    [("Renew and install the TLS certificate", Decimal("1"), Decimal("35.00"))],
]
SUBJECTS = {
    K.INCIDENT: [
        "Server does not answer",
        "Website shows error 502",
        "Mail is not delivered",
        "Database connections refused",
        "Disk full on the VPS",
        "DNS does not resolve",
    ],
    K.TECHNICAL: ["How do I add an SSH key?", "Which PHP versions are available?", "Backup retention?"],
    K.COMMERCIAL: ["Upgrade to a larger plan", "Change of billing address", "Quote for 10 servers"],
    K.SLA_CLAIM: ["Downtime credit for last week", "SLA claim: 3 h outage"],
}
BODIES = [
    "Since this morning the service answers intermittently; the logs show timeouts.",
    "Thank you, we are looking into it and will come back to you shortly.",
    "I restarted the service as you suggested, with no change.",
    "Could you send the output of the last deployment? It would help the diagnosis.",
    "Here are the details you asked for. Let me know if anything else is needed.",
]


def allocate(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, at least one each, adding up exactly (largest remainder)."""
    whole = sum(weights)
    counts = [max(1, total * w // whole) for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    i = 0
    while sum(counts) < total:
        counts[remainders[i % len(weights)]] += 1
        i += 1
    while sum(counts) > total:  # only when `total` is smaller than the number of categories' minimums
        biggest = max(range(len(counts)), key=counts.__getitem__)
        counts[biggest] -= 1
    return counts


class Copier:
    """Streams rows into one table with COPY; columns not given take the model field's default."""

    def __init__(self, cursor, model, columns: list[str]):
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
        extra = [f for column, f in fields.items() if column not in columns]
        self.defaults = tuple(self._default(f) for f in extra)
        names = ", ".join(connection.ops.quote_name(c) for c in [*columns, *(f.column for f in extra)])
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
        self.cursor = cursor
        self.count = 0

    @staticmethod
    def _default(field):
        if not field.has_default() and field.null:
            return None
        value = field.get_default()
        if isinstance(value, dict | list):
            import json

            return json.dumps(value)
        return value

    def write(self, rows) -> int:
        with self.cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row + self.defaults)
                self.count += 1
        return self.count


class Command(BaseCommand):
    help = "Fill PostgreSQL with a provider-sized data set (scale 1: 1,000,000 tickets) for the benchmarks."
    # A data loader needs no URL or admin checks; the bench runs it while the rest of the tree may change.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="1 = 100,000 accounts, 1,000,000 tickets, 300,000 invoices, 3,000,000 messages",
        )
        parser.add_argument(
            "--add-overdue",
            type=int,
            default=0,
            metavar="N",
            help="instead: add N open invoices past their due day to a seeded database "
            "(what the enforce_deadlines benchmark lapses)",
        )

    def handle(self, *args, scale: float, add_overdue: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        if add_overdue:
            with transaction.atomic():
                count = overdue_invoices_add(count=add_overdue)
            self.stdout.write(self.style.SUCCESS(f"added {count:,} open invoices past their due day"))
            return
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        if Ticket.objects.exists():
            raise CommandError(
                "This database already has tickets: seed_scale fills an empty (migrated) database."
            )
        started = time.monotonic()
        seeder = ScaleSeeder(scale=scale, log=self.stdout.write)
        with transaction.atomic():
            seeder.run()
        if not connection.in_atomic_block:
            # Fresh statistics for the planner, and a visibility map so that index-only scans work at once.
            self.stdout.write("vacuum analyze ...")
            with connection.cursor() as cursor:
                for table in seeder.tables:
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"seeded at scale {scale:g} in {time.monotonic() - started:.0f} s: "
                + ", ".join(f"{n:,} {table}" for table, n in seeder.counts.items())
            )
        )


class ScaleSeeder:
    def __init__(self, *, scale: float, log=print):
        self.scale = scale
        self.log = log
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not secrets
        self.now = timezone.now().astimezone(UTC).replace(microsecond=0)
        self.today = timezone.localdate(self.now)
        self.n_customers = max(2, round(CUSTOMERS_PER_SCALE * scale))
        self.n_tickets = max(len(CATEGORIES), round(TICKETS_PER_SCALE * scale))
        self.n_agents = max(2, round(50 * scale))
        self.n_finance = max(1, round(5 * scale))
        self.counts: dict[str, int] = {}
        self.tables: list[str] = []

    # ----------------------------------------------------------------------------------------- helpers

    def base(self, model) -> int:
        """Seeded ids follow the highest existing one, so reference rows already there are kept."""
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - a model's table name
            return cursor.fetchone()[0]

    def copy(self, model, columns, rows) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            copier = Copier(cursor.cursor, model, columns)
            count = copier.write(rows)
            table = model._meta.db_table
            # The sequence continues after the seeded ids, so the app's next insert does not collide.
            last_id = f"SELECT GREATEST(MAX(id), 1) FROM {connection.ops.quote_name(table)}"  # noqa: S608
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({last_id}))", [table])
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + count
        if model._meta.db_table not in self.tables:
            self.tables.append(model._meta.db_table)
        self.log(f"  {model._meta.db_table}: {count:,} rows in {time.monotonic() - started:.1f} s")

    def ts(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(int(seconds), tz=UTC)

    def day(self, seconds: float):
        return timezone.localdate(self.ts(seconds))

    # ----------------------------------------------------------------------------------------- plan

    def plan(self) -> None:
        """Each ticket's category, account and opening time, kept in compact arrays for every later pass."""
        counts = allocate(self.n_tickets, [c.per_million for c in CATEGORIES])
        self.category_counts = dict(zip(CATEGORIES, counts, strict=True))
        finished = [i for i, c in enumerate(CATEGORIES) for _ in range(counts[i]) if not c.active]
        active = [i for i, c in enumerate(CATEGORIES) for _ in range(counts[i]) if c.active]
        self.rng.shuffle(finished)
        self.rng.shuffle(active)
        # Ids follow time, and tickets still in progress are the newest.
        self.cat = bytearray(finished + active)
        n, now = self.n_tickets, self.now.timestamp()
        self.opened = array("d", bytes(8 * n))
        self.cust = array("l", bytes(array("l").itemsize * n))
        random_ = self.rng.random
        n_customers = self.n_customers
        for t in range(n):
            # A growing provider: more tickets lately (a fifth of them in the last 30 days).
            age = HISTORY_DAYS * DAY * (1 - (t + 0.5) / n) ** 2
            category = CATEGORIES[self.cat[t]]
            opened = now - age
            if opened + category.span > now - 60:
                opened = now - 60 - category.span - random_() * HOUR
            self.opened[t] = opened
            # A few large accounts have thousands of tickets; most have a handful.
            self.cust[t] = int(n_customers * random_() ** 2)
        # Per account: its last opening and whether a ticket is still in progress (who may stay banned).
        self.last_opened = array("d", bytes(8 * n_customers))
        self.has_active = bytearray(n_customers)
        for t in range(n):
            c = self.cust[t]
            if self.opened[t] > self.last_opened[c]:
                self.last_opened[c] = self.opened[t]
            if CATEGORIES[self.cat[t]].active:
                self.has_active[c] = 1

    def times(self, t: int) -> dict:
        """Every moment of ticket t's life, from its opening time and category."""
        c = CATEGORIES[self.cat[t]]
        opened = self.opened[t]
        out = {
            "opened": opened,
            "started": None,
            "concluded": None,
            "decided": None,
            "work_started": None,
            "ended": None,
            "valid_until": None,
        }
        if not c.incident:
            if c.status != S.OPEN:
                out["ended"] = opened + c.span
            return out
        if c.status == S.CANCELLED:
            out["ended"] = opened + c.span
            return out
        if c.started:
            out["started"] = opened + HOUR
        concluded = opened + DAY  # every category with a quote is concluded (outcome QUOTED)
        if c.concluded:
            out["concluded"] = concluded
            if c.status in (S.RESOLVED, S.CLOSED) and not c.quote:
                out["ended"] = concluded
        if c.quote:
            out["valid_until"] = self.day(concluded) + timedelta(days=14)
            if c.quote == QE:
                out["decided"] = out["ended"] = concluded + 15 * DAY
            elif c.quote in (QA, QD):
                out["decided"] = decided = concluded + 3 * DAY
                if c.quote == QD:
                    out["ended"] = decided
                else:
                    out["work_started"] = decided
                    if c.status == S.RESOLVED:
                        out["ended"] = decided + 2 * DAY
        return out

    # ----------------------------------------------------------------------------------------- money

    def bill(self) -> None:
        """Invoices in issue order, numbered per billing entity and year; a tenth, the newest, still open."""
        records = []
        for t in range(self.n_tickets):
            c = CATEGORIES[self.cat[t]]
            if c.billed:
                times = self.times(t)
                records.append(
                    (times["ended"] if c.billed == "fee+quote" or c.quote else times["concluded"], t)
                )
        records.sort()
        self.invoice_base = self.base(Invoice)
        n_open = len(records) // OPEN_INVOICE_SHARE
        oldest_open_day = self.today - timedelta(days=PAYMENT_DAYS - 1)
        # (id, ticket t, issued ts, status, closed ts)
        self.invoices: list[tuple[int, int, float, Invoice.State, float | None]] = []
        for rank, (issued, t) in enumerate(records):
            roll = (t * 2654435761) % 100
            issued_day = self.day(issued)
            if rank >= len(records) - n_open and issued_day >= oldest_open_day:
                status, closed = Invoice.State.OPEN, None
            elif roll < 2:
                status, closed = Invoice.State.REFUSED, issued + 5 * DAY
            elif roll < 5 and issued_day + timedelta(days=PAYMENT_DAYS + 1) < self.today:
                status, closed = Invoice.State.LAPSED, issued + (PAYMENT_DAYS + 1) * DAY + 5 * 60
            else:
                status, closed = Invoice.State.PAID, issued + (1 + roll % 25) * DAY
            if closed is not None and closed > self.now.timestamp() - 60:
                status, closed = Invoice.State.PAID, issued + 60
            self.invoices.append((self.invoice_base + rank + 1, t, issued, status, closed))
        self.invoice_of_ticket = {
            inv[1]: inv[0] for inv in self.invoices if CATEGORIES[self.cat[inv[1]]].billed == "fee+quote"
        }

    def bans(self) -> None:
        """A ban per refused or lapsed invoice; reinstated an hour later unless it was the account's last word."""
        closings = sorted(
            (closed, inv_id, t, status)
            for inv_id, t, _issued, status, closed in self.invoices
            if status in (Invoice.State.REFUSED, Invoice.State.LAPSED) and closed is not None  # always closed
        )
        last_closing = {}
        for _closed, inv_id, t, _status in closings:
            last_closing[self.cust[t]] = inv_id
        # (customer index, kind, reason, invoice id, actor is customer, at, changed)
        self.ban_events: list[tuple[int, BanEvent.Kind, str, int | None, bool, float, bool]] = []
        self.banned = {}  # customer index -> (at, reason)
        for closed, inv_id, t, status in closings:
            c = self.cust[t]
            reason = (
                Customer.BanReason.REFUSED_INVOICE
                if status == Invoice.State.REFUSED
                else Customer.BanReason.UNPAID_INVOICE
            )
            self.ban_events.append(
                (c, BanEvent.Kind.BAN, reason, inv_id, status == Invoice.State.REFUSED, closed, True)
            )
            stays = last_closing[c] == inv_id and closed > self.last_opened[c] and not self.has_active[c]
            if stays:
                self.banned[c] = (closed, reason)
            else:
                self.ban_events.append((c, BanEvent.Kind.REINSTATEMENT, "", None, False, closed + HOUR, True))

    # ----------------------------------------------------------------------------------------- run

    def run(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Bulk load: no synchronous WAL flush per commit; skip the per-row FK triggers where allowed
            # (superuser) because the rows are generated consistent; the seed test checks the references.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
        entities = {e.country: e for e in BillingEntity.objects.all()}
        self.countries = [c for c in ("FR", "DE") if c in entities] or sorted(entities)
        if not self.countries:
            raise CommandError("No billing entity: run migrate first.")
        self.entities = entities
        self.vat = {c: standard_rate(country=c, on=self.today) for c in self.countries}
        self.fee_line = {}
        for country in self.countries:
            with translation.override(entities[country].language or "en"):
                self.fee_line[country] = _("Incident diagnosis, ticket no. %(ticket)s")
        self.log(f"planning {self.n_tickets:,} tickets ...")
        self.plan()
        self.bill()
        self.bans()
        self.log(f"planned in {time.monotonic() - started:.1f} s; writing ...")
        self.write_accounts()
        # The messages before their tickets (the foreign keys are checked by the seed test, not here): the
        # database builds each ticket's search vector from its texts and messages as the ticket is inserted
        # (tickets/search.py), once, instead of updating every ticket again after its messages.
        self.ticket_base = self.base(Ticket)
        self.write_messages()
        self.write_tickets()
        self.write_invoices()
        self.write_quotes_and_diagnoses()
        self.write_bans()
        self.write_events()
        with connection.cursor() as cursor:
            # Back to normal checks for whatever the caller's transaction does next (the seed test does more).
            cursor.execute("SET LOCAL session_replication_role = origin")

    def country_of(self, c: int) -> str:
        return self.countries[0] if c % 5 < 3 or len(self.countries) == 1 else self.countries[1]

    def write_accounts(self) -> None:
        self.customer_base = self.base(Customer)
        self.user_base = self.base(User)
        self.service_base = self.base(Service)
        created = self.now.timestamp() - (HISTORY_DAYS + 30) * DAY

        def customers():
            for c in range(self.n_customers):
                country = self.country_of(c)
                banned = self.banned.get(c)
                yield (
                    self.customer_base + c + 1,
                    f"Customer {c + 1:06d} {'SARL' if country == 'FR' else 'GmbH'}",
                    country,
                    "",
                    f"{c + 1} rue de l'Exemple\n75002 Paris"
                    if country == "FR"
                    else f"Musterstraße {c + 1}\n10115 Berlin",
                    "fr" if country == "FR" else "de",
                    Customer.SupportStatus.BANNED if banned else Customer.SupportStatus.ACTIVE,
                    self.ts(banned[0] + 60) if banned else None,
                    banned[1] if banned else "",
                    self.ts(created),
                )

        self.copy(
            Customer,
            [
                "id",
                "name",
                "country",
                "vat_id",
                "billing_address",
                "language",
                "support_status",
                "banned_at",
                "ban_reason",
                "created_at",
            ],
            customers(),
        )

        # One hash for everyone: PBKDF2 is slow on purpose, and the benchmark logs in with it.
        password = make_password(SCALE_PASSWORD)
        self.agent_ids = [self.user_base + self.n_customers + 1 + i for i in range(self.n_agents)]
        self.finance_ids = [self.agent_ids[-1] + 1 + i for i in range(self.n_finance)]
        self.admin_id = self.finance_ids[-1] + 1

        joined = self.ts(created)

        def user(pk: int, name: str, role: str, customer_id: int | None = None, admin: bool = False) -> tuple:
            """A user's row in the columns below: active; the administrator is also superuser and staff."""
            return pk, password, f"{name}@{EMAIL_DOMAIN}", role, customer_id, admin, admin, True, joined

        def users():
            for c in range(self.n_customers):
                yield user(
                    self.user_base + c + 1, f"customer{c + 1}", Role.CUSTOMER, self.customer_base + c + 1
                )
            for i, pk in enumerate(self.agent_ids):
                yield user(pk, f"agent{i + 1}", Role.AGENT)
            for i, pk in enumerate(self.finance_ids):
                yield user(pk, f"finance{i + 1}", Role.FINANCE)
            yield user(self.admin_id, "admin", Role.ADMIN, admin=True)

        self.copy(
            User,
            [
                "id",
                "password",
                "email",
                "role",
                "customer_id",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            users(),
        )

        # Every account has a service; one in three has two. The first one's id is kept per account.
        self.first_service = array("l", bytes(array("l").itemsize * self.n_customers))

        def services():
            pk = self.service_base
            kinds = list(Service.Kind.values)
            for c in range(self.n_customers):
                for k in range(1 + (c % 3 == 0)):
                    pk += 1
                    if k == 0:
                        self.first_service[c] = pk
                    yield (
                        pk,
                        self.customer_base + c + 1,
                        f"srv-{c + 1}-{k + 1}.example.net",
                        kinds[(c + k) % len(kinds)],
                        self.ts(created),
                    )

        self.copy(Service, ["id", "customer_id", "name", "kind", "created_at"], services())

    def customer_user(self, c: int) -> int:
        return self.user_base + c + 1

    def agent_for(self, t: int) -> int:
        return self.agent_ids[(t * 40503) % len(self.agent_ids)]

    def fee(self, country: str) -> tuple:
        rate = self.vat[country]
        vat = vat_on(FEE_NET, rate)
        return FEE_NET, rate, vat, FEE_NET + vat

    def write_tickets(self) -> None:
        def tickets():
            for t in range(self.n_tickets):
                c = CATEGORIES[self.cat[t]]
                customer = self.cust[t]
                h = (t * 2654435761) & 0xFFFFFFFF
                times = self.times(t)
                subjects = SUBJECTS[c.kind]
                if c.incident:
                    net, rate, vat, gross = self.fee(self.country_of(customer))
                    fee = (
                        "EUR",
                        net,
                        rate,
                        vat,
                        gross,
                        c.fee_free,
                        INTRODUCTORY_PERIOD if c.fee_free else "",
                    )
                else:
                    fee = ("", None, None, None, None, None, "")
                assignee = (
                    self.agent_for(t) if (c.started or (not c.incident and c.status == S.CLOSED)) else None
                )
                yield (
                    self.ticket_base + t + 1,
                    self.customer_base + customer + 1,
                    self.customer_user(customer),
                    c.kind,
                    subjects[h % len(subjects)],
                    # Real descriptions name the host at fault: words of one account among a million
                    # tickets, which give the search's statistics their long tail (docs/performance.md).
                    f"{BODIES[h % len(BODIES)]} Host srv-{customer + 1}-1.example.net."
                    if h % 10 < 7
                    else BODIES[h % len(BODIES)],
                    self.first_service[customer] if h % 10 < 7 else None,
                    c.incident and h % 7 == 0,
                    c.status,
                    assignee,
                    self.ts(times["opened"]),
                    *fee,
                    "Here is the answer to your question."
                    if (not c.incident and c.status == S.CLOSED)
                    else "",
                    "Disk replaced and RAID rebuilt." if c.status == S.RESOLVED and c.quote else "",
                    *(
                        self.ts(times[k]) if times[k] else None
                        for k in ("started", "concluded", "work_started", "ended")
                    ),
                    *self.sla_fields(t, c, times, self.country_of(customer)),
                )

        self.copy(
            Ticket,
            [
                "id",
                "customer_id",
                "opened_by_id",
                "kind",
                "subject",
                "description",
                "service_id",
                "suspected_provider_fault",
                "status",
                "assignee_id",
                "created_at",
                "fee_currency",
                "fee_net",
                "fee_vat_rate",
                "fee_vat",
                "fee_gross",
                "fee_free",
                "fee_free_reason",
                "answer",
                "work_report",
                "diagnosis_started_at",
                "diagnosis_concluded_at",
                "work_started_at",
                "ended_at",
                "first_response_due_at",
                "diagnosis_due_at",
                "first_responded_at",
                "sla_next_due_at",
            ],
            tickets(),
        )

    def sla_fields(self, t: int, c, times: dict, country: str) -> tuple:
        """The response targets as the app keeps them (tickets/sla.py): due times from the calendar; the
        first response is the diagnosis start, the closing answer or the first agent message (write_messages:
        the second message of a thread, 20 minutes in), whichever came first before the ticket ended."""
        opened = self.ts(times["opened"])
        due = sla.due_fields(kind=c.kind, opened_at=opened, country=country)
        ended = times["ended"]
        candidates = [times["started"]]
        if not c.incident and c.status == S.CLOSED:
            candidates.append(ended)
        count = (
            MESSAGE_CYCLE[t % len(MESSAGE_CYCLE)]
            if t < self.n_tickets - self.n_tickets % len(MESSAGE_CYCLE)
            else MESSAGES_PER_TICKET
        )
        if count >= 2:
            message_at = min(times["opened"] + 1200, self.now.timestamp() - 1)
            if ended is None or message_at < ended:
                candidates.append(message_at)
        known = [moment for moment in candidates if moment is not None]
        responded = self.ts(min(known)) if known else None
        next_due = sla.NOTHING_DUE
        if ended is None:
            if responded is None:
                next_due = due["first_response_due_at"] or sla.NOTHING_DUE
            elif due["diagnosis_due_at"] is not None and times["started"] is None:
                next_due = due["diagnosis_due_at"]
        return due["first_response_due_at"], due["diagnosis_due_at"], responded, next_due

    def quote_lines(self, t: int) -> list[LineSpec]:
        template = QUOTE_TEMPLATES[t % len(QUOTE_TEMPLATES)]
        return [LineSpec(description=d, quantity=q, unit_price=p) for d, q, p in template]

    def invoice_lines_of(self, t: int) -> list[LineSpec]:
        """Ticket t's invoice: the diagnosis fee, and the quoted work where its category bills it."""
        lines = [
            LineSpec(
                description=self.fee_line[self.country_of(self.cust[t])]
                % {"ticket": self.ticket_base + t + 1},
                quantity=Decimal("1"),
                unit_price=FEE_NET,
            )
        ]
        if CATEGORIES[self.cat[t]].billed == "fee+quote":
            lines += self.quote_lines(t)
        return lines

    def write_invoices(self) -> None:
        counters: dict[tuple, int] = defaultdict(int)
        numbered = {}
        for inv_id, t, issued, _status, _closed in self.invoices:
            country = self.country_of(self.cust[t])
            year = self.day(issued).year
            series = DocumentCounter.Series.INVOICE
            counters[(country, series, year)] += 1
            numbered[inv_id] = document_number(
                country=country, series=series, year=year, n=counters[(country, series, year)]
            )

        def invoices():
            for inv_id, t, issued, status, closed in self.invoices:
                customer = self.cust[t]
                country = self.country_of(customer)
                totals = totals_for(self.invoice_lines_of(t), vat_rate=self.vat[country])
                issued_on = self.day(issued)
                yield (
                    inv_id,
                    self.entities[country].pk,
                    self.customer_base + customer + 1,
                    self.ticket_base + t + 1,
                    numbered[inv_id],
                    status,
                    issued_on,
                    issued_on + timedelta(days=PAYMENT_DAYS),
                    issued_on,
                    True,
                    totals.net,
                    totals.vat_rate,
                    totals.vat,
                    totals.gross,
                    "EUR",
                    f"Customer {customer + 1:06d}",
                    "",
                    "",
                    self.ts(closed) if closed else None,
                    self.ts(issued),
                    country,
                    self.entities[country].language,
                )

        self.copy(Invoice, INVOICE_COLUMNS, invoices())

        line_base = self.base(InvoiceLine)

        def lines():
            pk = line_base
            for inv_id, t, _issued, _status, _closed in self.invoices:
                for position, spec in enumerate(self.invoice_lines_of(t), start=1):
                    pk += 1
                    yield pk, inv_id, position, spec.description, spec.quantity, spec.unit_price, spec.net

        self.copy(
            InvoiceLine,
            ["id", "invoice_id", "position", "description", "quantity", "unit_price", "net"],
            lines(),
        )

        payment_base = self.base(Payment)

        def payments():
            pk = payment_base
            for n, (inv_id, t, issued, status, closed) in enumerate(self.invoices):
                gross = self._gross(t)
                if status == Invoice.State.PAID:
                    amount, when = gross, closed
                elif status == Invoice.State.OPEN and n % 10 == 0:
                    amount, when = (
                        Decimal("5.00"),
                        issued + 60,
                    )  # a partial payment on one open invoice in ten
                else:
                    continue
                pk += 1
                yield (
                    pk,
                    inv_id,
                    amount,
                    self.day(when),
                    f"SEPA {inv_id:08d}",
                    self.finance_ids[0],
                    self.ts(when),
                )

        self.copy(
            Payment,
            ["id", "invoice_id", "amount", "received_on", "reference", "recorded_by_id", "recorded_at"],
            payments(),
        )

        credit_base = self.base(CreditNote)
        closings = sorted(
            (closed, inv_id, t, status)
            for inv_id, t, _issued, status, closed in self.invoices
            if status in (Invoice.State.REFUSED, Invoice.State.LAPSED) and closed is not None  # always closed
        )

        def credit_notes():
            for n, (closed, inv_id, t, status) in enumerate(closings, start=1):
                country = self.country_of(self.cust[t])
                issued_on = self.day(closed)
                key = (country, DocumentCounter.Series.CREDIT_NOTE, issued_on.year)
                counters[key] += 1
                net, vat, gross = self._amounts(t)
                yield (
                    credit_base + n,
                    inv_id,
                    self.customer_base + self.cust[t] + 1,
                    self.entities[country].pk,
                    document_number(
                        country=country,
                        series=DocumentCounter.Series.CREDIT_NOTE,
                        year=issued_on.year,
                        n=counters[key],
                    ),
                    issued_on,
                    status,
                    net,
                    vat,
                    gross,
                    "EUR",
                    self.ts(closed),
                )

        self.copy(
            CreditNote,
            [
                "id",
                "invoice_id",
                "customer_id",
                "entity_id",
                "number",
                "issued_on",
                "reason",
                "net",
                "vat",
                "gross",
                "currency",
                "created_at",
            ],
            credit_notes(),
        )
        # The counters end where the seeded series end: the next invoice issued continues without a gap.
        for (country, series, year), last in counters.items():
            DocumentCounter.objects.update_or_create(
                entity=self.entities[country], series=series, year=year, defaults={"last_number": last}
            )
        self.counts[DocumentCounter._meta.db_table] = len(counters)

    def _amounts(self, t: int) -> tuple:
        country = self.country_of(self.cust[t])
        lines = [LineSpec(description="", quantity=Decimal("1"), unit_price=FEE_NET)]
        if CATEGORIES[self.cat[t]].billed == "fee+quote":
            lines += self.quote_lines(t)
        totals = totals_for(lines, vat_rate=self.vat[country])
        return totals.net, totals.vat, totals.gross

    def _gross(self, t: int) -> Decimal:
        return self._amounts(t)[2]

    def write_quotes_and_diagnoses(self) -> None:
        quote_base = self.base(Quote)
        quoted = [t for t in range(self.n_tickets) if CATEGORIES[self.cat[t]].quote]

        def quotes():
            for n, t in enumerate(quoted, start=1):
                c = CATEGORIES[self.cat[t]]
                country = self.country_of(self.cust[t])
                totals = totals_for(self.quote_lines(t), vat_rate=self.vat[country])
                times = self.times(t)
                decided = self.ts(times["decided"]) if times["decided"] else None
                by = self.customer_user(self.cust[t]) if c.quote in (QA, QD) else None
                yield (
                    quote_base + n,
                    self.ticket_base + t + 1,
                    c.quote,
                    totals.net,
                    totals.vat_rate,
                    totals.vat,
                    totals.gross,
                    "EUR",
                    self.ts(times["concluded"]),
                    times["valid_until"],
                    decided if c.quote == QA else None,
                    by,
                    decided,
                    self.invoice_of_ticket.get(t),
                )

        self.copy(
            Quote,
            [
                "id",
                "ticket_id",
                "status",
                "net",
                "vat_rate",
                "vat",
                "gross",
                "currency",
                "sent_at",
                "valid_until",
                "accepted_at",
                "decided_by_id",
                "decided_at",
                "invoice_id",
            ],
            quotes(),
        )
        line_base = self.base(QuoteLine)

        def quote_lines():
            pk = line_base
            for n, t in enumerate(quoted, start=1):
                for position, spec in enumerate(self.quote_lines(t), start=1):
                    pk += 1
                    yield (
                        pk,
                        quote_base + n,
                        position,
                        spec.description,
                        spec.quantity,
                        spec.unit_price,
                        spec.net,
                    )

        self.copy(
            QuoteLine,
            ["id", "quote_id", "position", "description", "quantity", "unit_price", "net"],
            quote_lines(),
        )

        diagnosis_base = self.base(Diagnosis)
        # The real outcome table decides what each diagnosis says about the fee.
        charges = {}
        for c in CATEGORIES:
            if c.concluded:
                for suspected in (False, True):
                    charges[(c.name, suspected)] = ticket_charge(
                        outcome=c.outcome,
                        moment=BillingMoment.CONCLUDED,
                        suspected_provider_fault=suspected,
                        fee_free=c.fee_free,
                    )

        def diagnoses():
            pk = diagnosis_base
            for t in range(self.n_tickets):
                c = CATEGORIES[self.cat[t]]
                if not c.concluded:
                    continue
                h = (t * 2654435761) & 0xFFFFFFFF
                charge = charges[(c.name, h % 7 == 0)]
                pk += 1
                yield (
                    pk,
                    self.ticket_base + t + 1,
                    self.agent_for(t),
                    "Checked the logs and the hardware.",
                    c.outcome,
                    charge.fee_due,
                    charge.rule,
                    self.ts(self.times(t)["concluded"]),
                )

        self.copy(
            Diagnosis,
            ["id", "ticket_id", "agent_id", "findings", "outcome", "fee_charged", "fee_rule", "concluded_at"],
            diagnoses(),
        )

    def write_bans(self) -> None:
        ban_base = self.base(BanEvent)

        def events():
            for n, (c, kind, reason, inv_id, by_customer, at, changed) in enumerate(self.ban_events, start=1):
                note = (
                    "I dispute this bill."
                    if by_customer
                    else ("Paid after all." if kind == "reinstatement" else "")
                )
                actor = (
                    self.customer_user(c)
                    if by_customer
                    else (self.finance_ids[0] if kind == "reinstatement" else None)
                )
                yield (
                    ban_base + n,
                    self.customer_base + c + 1,
                    kind,
                    reason,
                    note,
                    inv_id,
                    actor,
                    self.ts(at),
                    self.ts(at + 60) if kind == BanEvent.Kind.BAN else self.ts(at),
                    changed,
                )

        self.copy(
            BanEvent,
            [
                "id",
                "customer_id",
                "kind",
                "reason",
                "note",
                "invoice_id",
                "actor_id",
                "created_at",
                "applied_at",
                "changed_status",
            ],
            events(),
        )

    def write_events(self) -> None:
        event_base = self.base(TicketEvent)
        V = TicketEvent.Verb

        def events():
            pk = event_base
            for t in range(self.n_tickets):
                c = CATEGORIES[self.cat[t]]
                times = self.times(t)
                ticket_id = self.ticket_base + t + 1
                customer_user = self.customer_user(self.cust[t])
                rows = [(V.OPENED, customer_user, times["opened"], "{}")]
                if c.started:
                    rows.append((V.DIAGNOSIS_STARTED, self.agent_for(t), times["started"], "{}"))
                if c.concluded:
                    rows.append(
                        (
                            V.DIAGNOSIS_CONCLUDED,
                            self.agent_for(t),
                            times["concluded"],
                            f'{{"outcome": "{c.outcome}"}}',
                        )
                    )
                if c.status == S.CANCELLED:
                    rows.append((V.CANCELLED, customer_user, times["ended"], "{}"))
                elif c.status == S.CLOSED and not c.incident:
                    rows.append((V.CLOSED, self.agent_for(t), times["ended"], "{}"))
                for verb, actor, at, detail in rows:
                    pk += 1
                    yield pk, ticket_id, actor, verb, True, detail, self.ts(at)

        self.copy(
            TicketEvent, ["id", "ticket_id", "actor_id", "verb", "public", "detail", "created_at"], events()
        )

    def write_messages(self) -> None:
        message_base = self.base(Message)
        full_cycles = self.n_tickets - self.n_tickets % len(MESSAGE_CYCLE)
        now = self.now.timestamp()

        def messages():
            pk = message_base
            for t in range(self.n_tickets):
                count = MESSAGE_CYCLE[t % len(MESSAGE_CYCLE)] if t < full_cycles else MESSAGES_PER_TICKET
                opened = self.opened[t]
                customer_user = self.customer_user(self.cust[t])
                for m in range(count):
                    pk += 1
                    at = min(opened + (m + 1) * 600, now - 1)
                    yield (
                        pk,
                        self.ticket_base + t + 1,
                        customer_user if m % 2 == 0 else self.agent_for(t),
                        BODIES[(t + m) % len(BODIES)],
                        self.ts(at),
                    )

        self.copy(Message, ["id", "ticket_id", "author_id", "body", "created_at"], messages())


def overdue_invoices_add(*, count: int) -> int:
    """`count` open invoices past their due day, spread over the active accounts, numbered after the series.

    The benchmark's enforce_deadlines runs on these: each lapses, gets a credit note and bans its account.
    """
    accounts = list(
        Customer.objects.filter(support_status=Customer.SupportStatus.ACTIVE)
        .order_by("id")
        .values_list("id", "country", "name")
    )
    if not accounts:
        raise CommandError("No active account: run seed_scale first.")
    today = timezone.localdate()
    entities = {e.country: e for e in BillingEntity.objects.all()}
    vat = {country: standard_rate(country=country, on=today) for country in entities}
    line = LineSpec(description="Additional work", quantity=Decimal("1"), unit_price=Decimal("50.00"))
    totals = {country: totals_for([line], vat_rate=rate) for country, rate in vat.items()}
    # Due one to ten days ago, the oldest first, so numbers follow the issue dates.
    due_days = sorted(today - timedelta(days=1 + n % 10) for n in range(count))
    counters = {
        (c.entity_id, c.year): c.last_number
        for c in DocumentCounter.objects.filter(series=DocumentCounter.Series.INVOICE)
    }
    base = ScaleSeeder(scale=0.001).base(Invoice)
    rows, now = [], timezone.now()
    for n, due_on in enumerate(due_days):
        customer_id, country, name = accounts[n % len(accounts)]
        entity = entities[country]
        issued_on = due_on - timedelta(days=PAYMENT_DAYS)
        key = (entity.pk, issued_on.year)
        counters[key] = counters.get(key, 0) + 1
        total = totals[country]
        rows.append(
            (
                base + n + 1,
                entity.pk,
                customer_id,
                None,
                document_number(
                    country=country,
                    series=DocumentCounter.Series.INVOICE,
                    year=issued_on.year,
                    n=counters[key],
                ),
                Invoice.State.OPEN,
                issued_on,
                due_on,
                issued_on,
                False,
                total.net,
                total.vat_rate,
                total.vat,
                total.gross,
                entity.currency,
                name,
                "",
                "",
                None,
                now,
                country,
                entity.language,
            )
        )
    seeder = ScaleSeeder(scale=0.001, log=lambda text: None)
    seeder.copy(Invoice, INVOICE_COLUMNS, iter(rows))
    line_base = seeder.base(InvoiceLine)
    seeder.copy(
        InvoiceLine,
        ["id", "invoice_id", "position", "description", "quantity", "unit_price", "net"],
        (
            (line_base + n + 1, row[0], 1, line.description, line.quantity, line.unit_price, line.net)
            for n, row in enumerate(rows)
        ),
    )
    for (entity_id, year), last in counters.items():
        DocumentCounter.objects.update_or_create(
            entity_id=entity_id,
            series=DocumentCounter.Series.INVOICE,
            year=year,
            defaults={"last_number": last},
        )
    return len(rows)
