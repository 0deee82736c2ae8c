from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BillingEntity, Customer
from billing import notifications
from billing.models import BanEvent, CreditNote, DocumentCounter, Invoice, InvoiceLine, Payment
from billing.pricing import vat_rate_for
from billing.selectors import invoice_amount_due
from billing.signals import customer_banned, customers_banned
from config.bulk import update_from_instances
from config.errors import InvalidTransition
from config.money import to_cents, vat_on
from documents.store import render_after_commit, render_batch_after_commit
from outbox.services import email_queue, emails_record

NUMBER_PREFIX: dict[str, str] = {DocumentCounter.Series.INVOICE: "", DocumentCounter.Series.CREDIT_NOTE: "C"}


@dataclass(frozen=True)
class LineSpec:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def net(self) -> Decimal:
        return to_cents(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


def totals_for(lines: list[LineSpec], *, vat_rate: Decimal) -> Totals:
    """Lines are rounded each; VAT is computed once on their net total (EN 16931 BR-CO-14)."""
    net = sum((line.net for line in lines), Decimal("0.00"))
    vat = vat_on(net, vat_rate)
    return Totals(net=net, vat_rate=vat_rate, vat=vat, gross=net + vat)


def document_number_draw(*, entity: BillingEntity, series: str, year: int) -> str:
    """The next number of a legal series, from a counter row locked until the caller commits.

    A database sequence would leave a gap whenever a transaction rolls back; the locked row does not.
    """
    return document_numbers_draw(entity=entity, series=series, year=year, count=1)[0]


def document_numbers_draw(*, entity: BillingEntity, series: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of a legal series from one draw on the locked counter row.

    Gap-free for the same reason as one number at a time: the counter moves only if the caller commits.
    """
    first = _counter_advance(entity=entity, series=series, year=year, count=count)
    return [f"{entity.country}-{year}-{NUMBER_PREFIX[series]}{n:06d}" for n in range(first, first + count)]


def _counter_advance(*, entity: BillingEntity, series: str, year: int, count: int) -> int:
    """Move the locked counter on by `count`; the first of the numbers drawn."""
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(entity=entity, series=series, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(entity=entity, series=series, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return first


def invoice_issue(
    *,
    customer: Customer,
    lines: list[LineSpec],
    service_date: date,
    ticket_id: int | None = None,
    charges_diagnosis_fee: bool = False,
) -> Invoice:
    """Issue an invoice now: lines and buyer snapshotted, numbered gap-free, due 30 days after issue."""
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    entity = BillingEntity.objects.get(country=customer.country)
    issued_on = timezone.localdate()
    totals = totals_for(lines, vat_rate=vat_rate_for(country=customer.country, on=service_date))
    with transaction.atomic():
        number = document_number_draw(
            entity=entity, series=DocumentCounter.Series.INVOICE, year=issued_on.year
        )
        invoice = Invoice.objects.create(
            entity=entity,
            customer=customer,
            ticket_id=ticket_id,
            number=number,
            issued_on=issued_on,
            due_on=issued_on + timedelta(days=settings.INVOICE_PAYMENT_DAYS),
            service_date=service_date,
            charges_diagnosis_fee=charges_diagnosis_fee,
            net=totals.net,
            vat_rate=totals.vat_rate,
            vat=totals.vat,
            gross=totals.gross,
            currency=entity.currency,
            customer_name=customer.name,
            customer_address=customer.billing_address,
            customer_vat_id=customer.vat_id,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net=line.net,
            )
            for position, line in enumerate(lines, start=1)
        )
        email_queue(kind=notifications.INVOICE_ISSUED, object_id=invoice.pk, customer_id=customer.pk)
        # Its PDF is rendered once, after commit, from the invoice as issued (LAW-09).
        render_after_commit(task="billing.tasks.invoice_pdf_render_task", object_id=invoice.pk)
    return invoice


# Getting paid, or not: payments, refusal, lapse, credit notes, bans and reinstatements.


def invoice_lock(*, invoice: Invoice) -> Invoice:
    """The invoice re-read under a row lock: a concurrent payment, refusal or sweep waits, then sees the new state."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def invoice_pay(*, invoice: Invoice, amount: Decimal, received_on: date, reference: str = "", by) -> Payment:
    """Record money received for an open invoice, never more than is due; paid in full, the invoice is paid."""
    invoice = invoice_lock(invoice=invoice)
    if invoice.status != Invoice.State.OPEN:
        raise InvalidTransition(
            _("Only an open invoice can be paid; this one is %(status)s.") % {"status": invoice.status}
        )
    if amount != to_cents(amount) or amount <= 0:
        raise ValidationError({"amount": [_("The amount must be positive, in cents.")]})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": [_("A payment cannot be received in the future.")]})
    due = invoice_amount_due(invoice_id=invoice.pk)
    if amount > due:
        raise ValidationError(
            {
                "amount": [
                    _("The amount is more than the %(due)s %(currency)s still due.")
                    % {"due": f"{due:.2f}", "currency": invoice.currency}
                ]
            }
        )
    payment = Payment.objects.create(
        invoice=invoice, amount=amount, received_on=received_on, reference=reference, recorded_by=by
    )
    if amount == due:
        invoice.mark_paid(at=timezone.now())
        invoice.save(update_fields=["status", "closed_at"])
    email_queue(kind=notifications.PAYMENT_RECEIVED, object_id=payment.pk, customer_id=invoice.customer_id)
    return payment


def _credit_note_issue(*, invoice: Invoice, reason: str) -> CreditNote:
    # The full amount: a refused or lapsed invoice is cancelled, never edited (LAW-08).
    issued_on = timezone.localdate()
    number = document_number_draw(
        entity=invoice.entity, series=DocumentCounter.Series.CREDIT_NOTE, year=issued_on.year
    )
    credit_note = CreditNote.objects.create(
        invoice=invoice,
        entity=invoice.entity,
        number=number,
        issued_on=issued_on,
        reason=reason,
        net=invoice.net,
        vat=invoice.vat,
        gross=invoice.gross,
        currency=invoice.currency,
    )
    render_after_commit(task="billing.tasks.credit_note_pdf_render_task", object_id=credit_note.pk)
    return credit_note


def _ban_request(*, invoice: Invoice, reason: str, note: str = "", by=None) -> BanEvent:
    ban = BanEvent.objects.create(
        customer_id=invoice.customer_id,
        kind=BanEvent.Kind.BAN,
        reason=reason,
        note=note,
        invoice=invoice,
        actor=by,
    )

    def enqueue() -> None:
        from billing.tasks import ban_apply_task  # the tasks module imports this one

        ban_apply_task.delay(ban.pk)

    # robust: with the broker down the refusal still succeeds; the pending row is the sweep's to apply.
    transaction.on_commit(enqueue, robust=True)
    return ban


@transaction.atomic
def invoice_refuse(*, invoice: Invoice, reason: str, by) -> Invoice:
    """The customer disputes an open invoice: a full credit note cancels it, and the account loses support."""
    invoice = invoice_lock(invoice=invoice)
    invoice.refuse(at=timezone.now())
    invoice.save(update_fields=["status", "closed_at"])
    _credit_note_issue(invoice=invoice, reason=Invoice.State.REFUSED)
    _ban_request(invoice=invoice, reason=Customer.BanReason.REFUSED_INVOICE, note=reason, by=by)
    return invoice


@transaction.atomic
def invoice_lapse(*, invoice: Invoice, today: date) -> Invoice:
    """An invoice still open after its due day lapses: a credit note cancels it, and the account loses support."""
    invoice = invoice_lock(invoice=invoice)
    if invoice.status == Invoice.State.OPEN and invoice.due_on >= today:
        raise InvalidTransition(_("The invoice is not past its due day."))
    invoice.lapse(at=timezone.now())
    invoice.save(update_fields=["status", "closed_at"])
    _credit_note_issue(invoice=invoice, reason=Invoice.State.LAPSED)
    _ban_request(invoice=invoice, reason=Customer.BanReason.UNPAID_INVOICE)
    return invoice


@transaction.atomic
def invoices_lapse(*, invoice_ids: list[int], today: date) -> list[Invoice]:
    """The rule of `invoice_lapse` for a chunk of invoices at once, in one transaction (the sweep's way).

    Each invoice still open after its due day goes through its FSM transition; the writes are set-based:
    one UPDATE ... FROM of the invoices with what their transitions set, one INSERT ... SELECT of their
    credit notes numbered from one counter draw per series, one INSERT ... SELECT of their ban requests,
    and one batch of PDF renderings queued after commit: per invoice, the rows `invoice_lapse` writes. An
    invoice another transaction holds (a payment being recorded) is skipped: the next sweep sees what that
    transaction decided. The bans are applied by `bans_apply`, which the deadline sweep runs right after (a
    task per ban would be 100,000 messages). Building 2,000 model instances per chunk cost more than the
    database's work, hence the SQL; ids travel as arrays (`= ANY(%s)`), cheaper than 1,000-item `IN` lists.
    """
    invoices = list(
        Invoice.objects.raw(
            "SELECT id, status, closed_at, entity_id FROM billing_invoice "
            "WHERE id = ANY(%s::bigint[]) AND status = %s AND due_on < %s ORDER BY id FOR UPDATE SKIP LOCKED",
            [list(invoice_ids), Invoice.State.OPEN, today],
        )
    )
    if not invoices:
        return []
    now, issued_on = timezone.now(), timezone.localdate()
    for invoice in invoices:
        invoice.lapse(at=now)
    ids = [invoice.pk for invoice in invoices]
    update_from_instances(invoices, ["status", "closed_at"])  # what each invoice's own transition set
    entities = BillingEntity.objects.in_bulk({invoice.entity_id for invoice in invoices})
    series = DocumentCounter.Series.CREDIT_NOTE
    firsts = {
        entity_id: _counter_advance(
            entity=entities[entity_id],
            series=series,
            year=issued_on.year,
            count=sum(invoice.entity_id == entity_id for invoice in invoices),
        )
        for entity_id in sorted(entities)
    }
    with connection.cursor() as cursor:
        # Numbered in invoice order within each entity, from that entity's first number: as one draw each.
        cursor.execute(
            """
            INSERT INTO billing_creditnote
                (invoice_id, entity_id, number, issued_on, reason, net, vat, gross, currency, created_at)
            SELECT id, entity_id,
                   country || '-' || %(year)s || '-' || %(prefix)s || lpad(number::text,
                       greatest(6, length(number::text)), '0'),
                   %(issued_on)s, %(reason)s, net, vat, gross, currency, %(now)s
            FROM (
                SELECT i.id, i.entity_id, e.country, i.net, i.vat, i.gross, i.currency,
                       f.first - 1 + row_number() OVER (PARTITION BY i.entity_id ORDER BY i.id) AS number
                FROM billing_invoice i
                JOIN accounts_billingentity e ON e.id = i.entity_id
                JOIN unnest(%(entity_ids)s::bigint[], %(firsts)s::bigint[]) AS f(entity_id, first)
                    ON f.entity_id = i.entity_id
                WHERE i.id = ANY(%(ids)s)
            ) numbered
            ORDER BY id
            RETURNING id
            """,
            {
                "year": str(issued_on.year),
                "prefix": NUMBER_PREFIX[series],
                "issued_on": issued_on,
                "reason": Invoice.State.LAPSED,
                "now": now,
                "ids": ids,
                "entity_ids": list(firsts),
                "firsts": list(firsts.values()),
            },
        )
        credit_note_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            INSERT INTO billing_banevent
                (customer_id, kind, reason, note, invoice_id, actor_id, created_at, applied_at, changed_status)
            SELECT customer_id, %(kind)s, %(reason)s, '', id, NULL, %(now)s, NULL, false
            FROM billing_invoice WHERE id = ANY(%(ids)s) ORDER BY id
            """,
            {"kind": BanEvent.Kind.BAN, "reason": Customer.BanReason.UNPAID_INVOICE, "now": now, "ids": ids},
        )
    render_batch_after_commit(task="billing.tasks.credit_notes_pdf_render_task", object_ids=credit_note_ids)
    return invoices


@transaction.atomic
def bans_apply(*, ban_ids: list[int]) -> int:
    """The rule of `ban_apply` for a chunk of recorded bans at once, in one transaction (the sweep's way).

    Each account goes through its FSM transition once, under its row lock (a second ban of an account in
    the chunk is history only); the writes are set-based: one UPDATE of the bans, one UPDATE ... FROM of
    the accounts with what their transitions set, `customers_banned` once for the accounts banned (their
    open tickets are cancelled), and the e-mails recorded in the outbox with one INSERT, handed to the
    workers as one task after commit (`emails_record`). Ids travel as arrays (`= ANY(%s)`): a 1,000-item
    `IN` list cost more to build and parse than the rows cost to write (docs/performance.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, customer_id, reason FROM billing_banevent "
            "WHERE id = ANY(%s::bigint[]) AND applied_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED",
            [ban_ids],
        )
        bans = cursor.fetchall()
    if not bans:
        return 0
    # Only the columns the transition reads and writes; locked in id order, as every path locks accounts.
    customer_ids = sorted({customer_id for _id, customer_id, _reason in bans})
    customers = {
        customer.pk: customer
        for customer in Customer.objects.raw(
            "SELECT id, support_status, banned_at, ban_reason FROM accounts_customer "
            "WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [customer_ids],
        )
    }
    now = timezone.now()
    banned: list[Customer] = []
    changed: list[int] = []  # the bans that changed their account's status; the others are history only
    for ban_id, customer_id, reason in bans:
        customer = customers[customer_id]
        if not customer.is_banned:
            customer.ban(reason=reason, at=now)
            banned.append(customer)
            changed.append(ban_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_banevent "
            "SET applied_at = %(now)s, changed_status = (id = ANY(%(changed)s::bigint[])) "
            "WHERE id = ANY(%(ids)s::bigint[])",
            {"now": now, "changed": changed, "ids": [ban_id for ban_id, _c, _r in bans]},
        )
    # Each account gets what its own transition set in memory.
    update_from_instances(banned, ["support_status", "banned_at", "ban_reason"])
    if banned:
        customers_banned.send(sender=Customer, customers=banned)
    emails_record(
        kind=notifications.ACCOUNT_BANNED,
        objects=[(ban_id, customer_id) for ban_id, customer_id, _reason in bans],
    )
    return len(bans)


@transaction.atomic
def ban_apply(*, ban: BanEvent) -> BanEvent:
    """Apply a recorded ban once: the account is banned and its not-yet-started tickets are cancelled."""
    ban = BanEvent.objects.select_for_update().get(pk=ban.pk)
    if ban.applied_at is not None:
        return ban  # the task and the sweep may both get here; the first one did it
    customer = Customer.objects.select_for_update().get(pk=ban.customer_id)
    ban.applied_at = timezone.now()
    ban.changed_status = not customer.is_banned
    if ban.changed_status:
        customer.ban(reason=ban.reason, at=ban.applied_at)
        customer.save(update_fields=["support_status", "banned_at", "ban_reason"])
    ban.save(update_fields=["applied_at", "changed_status"])
    if ban.changed_status:
        customer_banned.send(sender=Customer, customer=customer, ban=ban)
    email_queue(kind=notifications.ACCOUNT_BANNED, object_id=ban.pk, customer_id=customer.pk)
    return ban


@transaction.atomic
def customer_reinstate(*, customer: Customer, reason: str, by) -> Customer:
    """Finance or an admin gives a banned account its support back; the ban stays in its history."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.reinstate()
    customer.save(update_fields=["support_status", "banned_at", "ban_reason"])
    now = timezone.now()
    # A ban still pending here was caused before this decision, which covers it: it stays history only.
    BanEvent.objects.filter(customer=customer, kind=BanEvent.Kind.BAN, applied_at__isnull=True).update(
        applied_at=now, changed_status=False
    )
    event = BanEvent.objects.create(
        customer=customer,
        kind=BanEvent.Kind.REINSTATEMENT,
        note=reason,
        actor=by,
        created_at=now,
        applied_at=now,
        changed_status=True,
    )
    email_queue(kind=notifications.ACCOUNT_REINSTATED, object_id=event.pk, customer_id=customer.pk)
    return customer


def invoice_reminder_queue(*, invoice: Invoice, today: date) -> str | None:
    """An open invoice is reminded 7 days and 1 day before its due day, each reminder once."""
    days_left = (invoice.due_on - today).days
    if invoice.status != Invoice.State.OPEN or days_left < 0 or days_left > 7:
        return None
    kind = notifications.REMINDER_1_DAY if days_left <= 1 else notifications.REMINDER_7_DAYS
    with transaction.atomic():
        email_queue(kind=kind, object_id=invoice.pk, customer_id=invoice.customer_id)
    return kind
