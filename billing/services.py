from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BillingEntity, Customer
from billing import notifications, selectors
from billing.models import (
    CANCELLED_INVOICE_FIELDS,
    BanEvent,
    CreditNote,
    DocumentCounter,
    DocumentLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
    VatCategory,
)
from billing.signals import customers_banned
from billing.tax import VatTreatment, buyer_of, entity_may_issue, sale_terms
from config.bulk import among, insert_rows, update_from_instances
from config.errors import InvalidTransition
from config.formatting import format_date, format_money
from config.metrics import BANS
from config.money import to_cents, vat_on
from config.transitions import transition_save, written_by
from documents.store import render_after_commit, render_batch_after_commit
from outbox.services import email_queue, emails_record

NUMBER_PREFIX: dict[str, str] = {
    DocumentCounter.Series.INVOICE: "",
    DocumentCounter.Series.CREDIT_NOTE: "C",
    DocumentCounter.Series.QUOTE: "Q",
}


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
    """A priced document's amounts, named as its columns are (an invoice's, a quote's)."""

    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    vat_category: str = VatCategory.STANDARD


def totals_for(
    lines: list[LineSpec], *, vat_rate: Decimal, vat_category: str = VatCategory.STANDARD
) -> Totals:
    """Lines are rounded each; VAT is computed once on their net total (EN 16931 BR-CO-14)."""
    net = sum((line.net for line in lines), Decimal("0.00"))
    vat = vat_on(net, vat_rate)
    return Totals(net=net, vat_rate=vat_rate, vat=vat, gross=net + vat, vat_category=vat_category)


def totals_under(lines: list[LineSpec], treatment: VatTreatment) -> Totals:
    """The totals of a sale under the VAT treatment billing.tax decided for it."""
    return totals_for(lines, vat_rate=treatment.rate, vat_category=treatment.category)


def lines_add(line_model: type[DocumentLine], lines: list[LineSpec], **document) -> None:
    """Write a priced document's lines in their order, numbered from 1; `document` names it (invoice=…)."""
    line_model._default_manager.bulk_create(
        line_model(
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            net=line.net,
            **document,
        )
        for position, line in enumerate(lines, start=1)
    )


def document_number(*, country: str, series: str, year: int, n: int) -> str:
    """How a legal series writes its n-th number of a year: FR-2026-000001, FR-2026-C000001 for a credit
    note, FR-2026-Q000001 for a quote."""
    return f"{country}-{year}-{NUMBER_PREFIX[series]}{n:06d}"


def document_number_draw(*, entity: BillingEntity, series: str, year: int) -> str:
    """The next number of a legal series, from a counter row locked until the caller commits.

    A database sequence would leave a gap whenever a transaction rolls back; the locked row does not.
    """
    return document_numbers_draw(entity=entity, series=series, year=year, count=1)[0]


def document_numbers_draw(*, entity: BillingEntity, series: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of a legal series from one draw on the locked counter row.

    Gap-free for the same reason as one number at a time: the counter moves only if the caller commits.
    """
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(entity=entity, series=series, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(entity=entity, series=series, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [
        document_number(country=entity.country, series=series, year=year, n=n)
        for n in range(first, first + count)
    ]


def buyer_snapshot(customer: Customer) -> dict:
    """The buyer as an issued document keeps it (its `customer_<field>` columns and language): later edits of
    the account do not change what was issued."""
    return {
        "customer_name": customer.name,
        "customer_address": customer.billing_address,
        "customer_vat_id": customer.vat_id,
        "customer_country": customer.country,
        "customer_is_business": customer.is_business,
        "language": customer.language,
    }


def _sale_issued(*, customer: Customer, lines: list[LineSpec], service_date: date, series: str) -> dict:
    """What a document issued now for a sale to `customer` records, as its columns: the entity that bills the
    account and the VAT of the day the service was done (LAW-06), as billing.tax decides them for this buyer;
    the next number of the entity's `series` (its counter row locked until the caller commits); the totals of
    `lines` in the entity's currency; the buyer as it stands."""
    entity, treatment = sale_terms(buyer=buyer_of(customer), on=service_date)
    entity_may_issue(entity)
    issued_on = timezone.localdate()
    return {
        "entity": entity,
        "customer": customer,
        "number": document_number_draw(entity=entity, series=series, year=issued_on.year),
        "issued_on": issued_on,
        "service_date": service_date,
        **asdict(totals_under(lines, treatment)),
        "currency": entity.currency,
        **buyer_snapshot(customer),
    }


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
    with transaction.atomic():
        issued = _sale_issued(
            customer=customer, lines=lines, service_date=service_date, series=DocumentCounter.Series.INVOICE
        )
        invoice = Invoice.objects.create(
            **issued,
            ticket_id=ticket_id,
            due_on=issued["issued_on"] + timedelta(days=settings.INVOICE_PAYMENT_DAYS),
            charges_diagnosis_fee=charges_diagnosis_fee,
        )
        lines_add(InvoiceLine, lines, invoice=invoice)
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
    # Every field's errors at once, so the form and the API client see all there is to correct.
    errors: dict[str, list[str]] = {}
    if amount != to_cents(amount) or amount <= 0:
        errors["amount"] = [_("The amount must be positive, in cents.")]
    else:
        due = selectors.invoice_amount_due(invoice_id=invoice.pk)
        if amount > due:
            errors["amount"] = [
                _("The amount is more than the %(due)s still due.")
                % {"due": format_money(due, invoice.currency)}
            ]
    if received_on > timezone.localdate():
        errors["received_on"] = [_("A payment cannot be received in the future.")]
    elif received_on < invoice.issued_on:
        # Money for an invoice does not arrive before the invoice exists: a mistyped year (1999) is refused.
        errors["received_on"] = [
            _("A payment cannot be received before the invoice was issued (%(issued_on)s).")
            % {"issued_on": format_date(invoice.issued_on)}
        ]
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        invoice=invoice, amount=amount, received_on=received_on, reference=reference, recorded_by=by
    )
    if amount == due:
        transition_save(invoice, Invoice.mark_paid, at=timezone.now())
    email_queue(kind=notifications.PAYMENT_RECEIVED, object_id=payment.pk, customer_id=invoice.customer_id)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, by) -> Payment:
    """Undo a payment recorded by mistake: the row stays, marked reversed with who, when and why, and what it
    covered is owed again (a paid invoice is open again). Not on a refused or lapsed invoice: its credit note
    cancelled the debt and what was paid is owed back as a refund."""
    invoice = invoice_lock(invoice=Invoice(pk=payment.invoice_id))
    # Re-read under the invoice's lock: of two reversals at once, the second sees the first.
    payment = Payment.objects.get(pk=payment.pk)
    if payment.reversed_at is not None:
        raise InvalidTransition(_("This payment is already reversed."))
    if invoice.status not in (Invoice.State.OPEN, Invoice.State.PAID):
        raise InvalidTransition(
            _("A payment on a %(status)s invoice is not reversed: what was paid is owed back as a refund.")
            % {"status": invoice.get_status_display()}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the reversal.")]})
    payment.reverse(reason=reason, at=timezone.now(), by=by)
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    if invoice.status == Invoice.State.PAID:
        transition_save(invoice, Invoice.reopen)
    return payment


def credit_notes_issue(*, invoices: Sequence[Invoice], reason: str) -> list[int]:
    """Cancel each invoice in full with a credit note (LAW-08: never edited), numbered gap-free in invoice order
    from one draw on each entity's series; their PDFs are rendered after commit, by one task. Their ids."""
    issued_on = timezone.localdate()
    series = DocumentCounter.Series.CREDIT_NOTE
    entities = BillingEntity.objects.in_bulk({invoice.entity_id for invoice in invoices})
    numbers: dict[int, str] = {}
    for entity_id in sorted(entities):
        ids = sorted(invoice.pk for invoice in invoices if invoice.entity_id == entity_id)
        drawn = document_numbers_draw(
            entity=entities[entity_id], series=series, year=issued_on.year, count=len(ids)
        )
        numbers.update(zip(ids, drawn, strict=True))
    credit_note_ids = insert_rows(
        CreditNote,
        [
            {
                "invoice_id": invoice.pk,
                "entity_id": invoice.entity_id,
                "customer_id": invoice.customer_id,
                "number": numbers[invoice.pk],
                "net": invoice.net,
                "vat": invoice.vat,
                "gross": invoice.gross,
                "currency": invoice.currency,
                # The buyer and the VAT of the invoice it cancels, as that invoice stated them.
                **{field: getattr(invoice, field) for field in CANCELLED_INVOICE_FIELDS},
            }
            for invoice in invoices
        ],
        same={"issued_on": issued_on, "reason": reason, "kind": CreditNote.Kind.CANCELLATION},
    )
    render_batch_after_commit(task="billing.tasks.credit_notes_pdf_render_task", object_ids=credit_note_ids)
    return credit_note_ids


def sla_credit_issue(*, customer: Customer, net: Decimal, description: str, service_date: date) -> CreditNote:
    """Issue an SLA credit note of `net` to `customer`, with `description` as its one line, in the credit note
    series of the entity that bills the account and with the VAT of a sale on `service_date`; the gross is
    owed back to the customer as a refund (a credit of its own, not set against an invoice here). Inside the
    caller's transaction; its PDF is rendered after commit."""
    if net != to_cents(net) or net <= 0:
        raise ValidationError({"net": [_("An SLA credit must be a positive amount, in cents.")]})
    credit_note = CreditNote.objects.create(
        **_sale_issued(
            customer=customer,
            lines=[LineSpec(description=description, quantity=Decimal("1"), unit_price=net)],
            service_date=service_date,
            series=DocumentCounter.Series.CREDIT_NOTE,
        ),
        kind=CreditNote.Kind.SLA_CREDIT,
        reason=CreditNote.Kind.SLA_CREDIT,
        description=description,
    )
    Refund.objects.create(
        customer=customer, credit_note=credit_note, amount=credit_note.gross, currency=credit_note.currency
    )
    render_batch_after_commit(task="billing.tasks.credit_notes_pdf_render_task", object_ids=[credit_note.pk])
    return credit_note


def bans_request(*, invoices: Sequence[Invoice], reason: str, note: str = "", by=None) -> list[int]:
    """Ban each invoice's account now, in the transaction that causes it, and record the ban; its slow part
    (open tickets cancelled, the e-mail) stays pending until `bans_apply`. The bans' ids.

    The accounts are locked in id order, as every path locks them: a ticket being opened at this moment
    (`tickets.services.ticket_open` reads the status under the same lock) either comes first, and the ban
    cancels it, or sees the ban and is refused. A broker or a worker down delays the slow part, never the ban.
    """
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(among("id", {invoice.customer_id for invoice in invoices}))
        .only(*written_by(Customer.ban))
        .order_by("id")
        .select_for_update()
    }
    now = timezone.now()
    banned: list[Customer] = []
    # The invoices whose ban changed their account's status; the others are history only.
    changed: set[int] = set()
    for invoice in invoices:
        customer = customers[invoice.customer_id]
        if not customer.is_banned:
            customer.ban(reason=reason, at=now)
            banned.append(customer)
            changed.add(invoice.pk)
    update_from_instances(banned, written_by(Customer.ban))
    BANS.inc_after_commit(len(banned), reason=reason)
    return insert_rows(
        BanEvent,
        [
            {
                "customer_id": invoice.customer_id,
                "invoice_id": invoice.pk,
                "changed_status": invoice.pk in changed,
            }
            for invoice in invoices
        ],
        same={
            "kind": BanEvent.Kind.BAN,
            "reason": reason,
            "note": note,
            "actor_id": by.pk if by is not None else None,
            "created_at": now,
        },
    )


def refunds_owe(*, invoices: Sequence[Invoice]) -> list[int]:
    """Record, for each locked invoice a credit note has just cancelled in full, the refund owed of what was
    paid on it: the customer owes nothing more, so the money received is owed back. The refunds' ids."""
    paid = dict(
        Payment.objects.standing()
        .filter(among("invoice_id", [invoice.pk for invoice in invoices]))
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    return insert_rows(
        Refund,
        [
            {
                "customer_id": invoice.customer_id,
                "invoice_id": invoice.pk,
                "amount": paid[invoice.pk],
                "currency": invoice.currency,
            }
            for invoice in invoices
            if paid.get(invoice.pk)
        ],
        same={"created_at": timezone.now()},
    )


@transaction.atomic
def refund_mark_refunded(*, refund: Refund, reference: str, by) -> Refund:
    """Finance records that money owed back to a customer was sent, with the transfer's reference; once."""
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    transition_save(refund, Refund.mark_refunded, reference=reference, at=timezone.now(), by=by)
    return refund


def _invoices_cancel(
    invoices: Sequence[Invoice], *, transition: Callable[..., None], ban_reason: str, note: str = "", by=None
) -> list[int]:
    """Refused or lapsed: each locked invoice goes through `transition`, then all are written at once, each
    cancelled by its credit note in full, what was paid on it owed back, and each account banned; the ids
    of the bans whose slow part is to be carried out."""
    now = timezone.now()
    for invoice in invoices:
        transition(invoice, at=now)
    update_from_instances(invoices, written_by(transition))
    credit_notes_issue(invoices=invoices, reason=invoices[0].status)
    refunds_owe(invoices=invoices)
    return bans_request(invoices=invoices, reason=ban_reason, note=note, by=by)


@transaction.atomic
def invoice_refuse(*, invoice: Invoice, reason: str, by) -> Invoice:
    """The customer disputes an open invoice: a full credit note cancels it, what was paid on it is owed back
    (`refunds_owe`), and the account loses support at once, in this transaction."""
    invoice = invoice_lock(invoice=invoice)
    (ban_id,) = _invoices_cancel(
        [invoice],
        transition=Invoice.refuse,
        ban_reason=Customer.BanReason.REFUSED_INVOICE,
        note=reason,
        by=by,
    )

    def enqueue() -> None:
        from billing.tasks import ban_apply_task  # the tasks module imports this one

        ban_apply_task.delay(ban_id)

    # The account is banned already; the task after commit cancels its open tickets and sends the e-mail.
    # robust: with the broker down the refusal still succeeds, and the ban's pending slow part is the hourly
    # sweep's to carry out (`bans_apply_pending`).
    transaction.on_commit(enqueue, robust=True)
    return invoice


@transaction.atomic
def invoices_lapse(*, invoice_ids: Sequence[int], today: date) -> list[Invoice]:
    """Invoices still open after their due day lapse: a credit note cancels each, and each account loses
    support in this transaction; the sweep's way, a chunk of invoices in one transaction. The lapsed invoices.

    An invoice another transaction holds (a payment being recorded) is skipped: the next sweep sees what
    that transaction decided. The bans' slow part stays pending for `bans_apply`, which the deadline sweep
    runs right after (a task per ban would be 100,000 messages). Only the columns the lapse reads are loaded.
    """
    invoices = list(
        selectors.invoices_overdue(today=today)
        .filter(among("id", invoice_ids))
        .only(
            "status",
            "closed_at",
            "entity",
            "customer",
            "net",
            "vat",
            "gross",
            "currency",
            *CANCELLED_INVOICE_FIELDS,
        )
        .order_by("id")
        .select_for_update(skip_locked=True)
    )
    if invoices:
        _invoices_cancel(invoices, transition=Invoice.lapse, ban_reason=Customer.BanReason.UNPAID_INVOICE)
    return invoices


@transaction.atomic
def invoice_lapse(*, invoice: Invoice, today: date) -> Invoice:
    """`invoices_lapse` for one invoice, waiting for a payment being recorded rather than skipping it; an
    invoice that cannot lapse is an InvalidTransition. Its ban's slow part stays pending for the sweep's
    `bans_apply`."""
    invoice = invoice_lock(invoice=invoice)
    lapsed = invoices_lapse(invoice_ids=[invoice.pk], today=today)
    if lapsed:
        return lapsed[0]
    if invoice.status == Invoice.State.OPEN:
        raise InvalidTransition(_("The invoice is not past its due day."))
    raise InvalidTransition(
        _("Only an open invoice can lapse; this one is %(status)s.") % {"status": invoice.status}
    )


@transaction.atomic
def bans_apply(*, ban_ids: Sequence[int]) -> int:
    """Carry out the slow part of recorded bans, each once: the open tickets of the accounts each ban
    banned are cancelled (`customers_banned`) and each ban's e-mail is recorded in the outbox. How many bans
    were carried out.

    The account itself was banned by `bans_request`, in the transaction that caused the ban. A refusal's task
    calls this with one id, the hourly sweep with a chunk of the pending ones. A ban another transaction holds
    is skipped (the task and the sweep may both get there: the first one does it); a ban a reinstatement has
    settled is no longer pending. The writes are one statement each, whatever the number of bans.
    """
    bans = list(
        BanEvent.objects.filter(among("id", ban_ids), kind=BanEvent.Kind.BAN, applied_at__isnull=True)
        .order_by("id")
        .select_for_update(skip_locked=True)
        .values_list("id", "customer_id", "changed_status")
    )
    if not bans:
        return 0
    BanEvent.objects.filter(among("id", [ban_id for ban_id, _c, _s in bans])).update(
        applied_at=timezone.now()
    )
    banned = sorted({customer_id for _id, customer_id, changed in bans if changed})
    if banned:
        customers_banned.send(sender=Customer, customer_ids=banned)
    emails_record(
        kind=notifications.ACCOUNT_BANNED, objects=[(ban_id, customer_id) for ban_id, customer_id, _s in bans]
    )
    return len(bans)


def ban_apply(*, ban: BanEvent) -> BanEvent:
    """`bans_apply` for one recorded ban (a refusal's, by its task after commit)."""
    bans_apply(ban_ids=[ban.pk])
    ban.refresh_from_db()
    return ban


@transaction.atomic
def customer_reinstate(*, customer: Customer, reason: str, by) -> Customer:
    """Finance or an admin gives a banned account its support back; the ban stays in its history."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    transition_save(customer, Customer.reinstate)
    now = timezone.now()
    # A ban whose slow part is still pending was decided before this decision, which settles it: its
    # tickets stay as they are and no ban e-mail follows the reinstatement.
    BanEvent.objects.filter(customer=customer, kind=BanEvent.Kind.BAN, applied_at__isnull=True).update(
        applied_at=now
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
