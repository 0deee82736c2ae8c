from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import BillingEntity, Customer
from billing.models import DocumentCounter, Invoice, InvoiceLine
from billing.money import to_cents, vat_on
from billing.pricing import vat_rate_for

NUMBER_PREFIX = {DocumentCounter.Series.INVOICE: "", DocumentCounter.Series.CREDIT_NOTE: "C"}


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
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(entity=entity, series=series, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(entity=entity, series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{entity.country}-{year}-{NUMBER_PREFIX[series]}{counter.last_number:06d}"


def invoice_issue(
    *,
    customer: Customer,
    lines: list[LineSpec],
    service_date: date,
    ticket=None,
    charges_diagnosis_fee: bool = False,
) -> Invoice:
    """Issue an invoice now: lines and buyer snapshotted, numbered gap-free, due 30 days after issue."""
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    entity = BillingEntity.objects.get(country=customer.country)
    issued_on = timezone.localdate()
    totals = totals_for(lines, vat_rate=vat_rate_for(country=customer.country, on=service_date))
    with transaction.atomic():
        number = document_number_draw(entity=entity, series=DocumentCounter.Series.INVOICE, year=issued_on.year)
        invoice = Invoice.objects.create(
            entity=entity,
            customer=customer,
            ticket=ticket,
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
    return invoice
