"""The transactions the French reform requires an entity to report (e-reporting, CGI art. 290 and
ann. II 242 nonies M; LAW-18), per period, for finance to send through an approved platform.

Domestic business sales are e-invoiced and need no report; what is reported is:

- `b2c_day`: sales to consumers, one row per day of issue, VAT category, rate and currency (daily
  totals; a credit note counts against its own day, negative);
- `b2b_cross_border`: each invoice and credit note to a business buyer in another country;
- `payment`: each payment received for our services (VAT falls due on payment unless the entity opted
  for the débits), with the invoice it pays.

One row shape for the three, so a platform connector (out of scope) can read one file; the columns of
a section that do not apply stay empty.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import BillingEntity
from billing.models import CreditNote, Invoice, Payment

COLUMNS = [
    "section",
    "date",
    "document",
    "cancels",
    "buyer_country",
    "buyer_vat_id",
    "vat_category",
    "vat_rate",
    "currency",
    "net",
    "vat",
    "gross",
    "documents",
]
ZERO = Decimal("0.00")


def _in_period(queryset, field: str, *, entity: BillingEntity, start: date, end: date):
    return queryset.filter(entity=entity, **{f"{field}__gte": start, f"{field}__lte": end})


def _b2c_days(*, entity, start, end) -> Iterator[list]:
    """Consumers' invoices and credit notes, summed per day, category, rate and currency."""
    totals: dict[tuple, list] = {}
    for sign, queryset in (
        (1, _in_period(Invoice.objects, "issued_on", entity=entity, start=start, end=end)),
        (-1, _in_period(CreditNote.objects, "issued_on", entity=entity, start=start, end=end)),
    ):
        # An invoice and a credit note (a cancellation or an SLA credit) both carry their buyer and VAT.
        days = (
            queryset.filter(customer_is_business=False)
            .values("issued_on", category=F("vat_category"), rate=F("vat_rate"), money=F("currency"))
            .annotate(
                net_total=Coalesce(Sum("net"), Value(ZERO)),
                vat_total=Coalesce(Sum("vat"), Value(ZERO)),
                gross_total=Coalesce(Sum("gross"), Value(ZERO)),
                count=Sum(Value(1)),
            )
        )
        for day in days:
            key = (day["issued_on"], day["category"], day["rate"], day["money"])
            row = totals.setdefault(key, [ZERO, ZERO, ZERO, 0])
            row[0] += sign * day["net_total"]
            row[1] += sign * day["vat_total"]
            row[2] += sign * day["gross_total"]
            row[3] += day["count"]
    for (day, category, rate, currency), (net, vat, gross, count) in sorted(totals.items()):
        yield ["b2c_day", day, "", "", "", "", category, rate, currency, net, vat, gross, count]


def _b2b_cross_border(*, entity, start, end) -> Iterator[list]:
    """Each invoice to a business buyer abroad, and each credit note cancelling one (negative), by date."""
    invoices = (
        _in_period(Invoice.objects, "issued_on", entity=entity, start=start, end=end)
        .filter(customer_is_business=True)
        .exclude(customer_country=entity.country)
    )
    credit_notes = (
        _in_period(CreditNote.objects, "issued_on", entity=entity, start=start, end=end)
        .filter(customer_is_business=True)
        .exclude(customer_country=entity.country)
        .select_related("invoice")
    )
    documents: list[tuple[Invoice | CreditNote, str, int]] = [(invoice, "", 1) for invoice in invoices]
    # A cancellation cites the invoice it cancels; an SLA credit cites none.
    documents += [
        (credit_note, credit_note.invoice.number if credit_note.invoice else "", -1)
        for credit_note in credit_notes
    ]
    documents.sort(key=lambda entry: (entry[0].issued_on, entry[0].number))
    for document, cancels, sign in documents:
        yield [
            "b2b_cross_border",
            document.issued_on,
            document.number,
            cancels,
            document.customer_country,
            document.customer_vat_id,
            document.vat_category,
            document.vat_rate,
            document.currency,
            sign * document.net,
            sign * document.vat,
            sign * document.gross,
            1,
        ]


def _payments(*, entity, start, end) -> Iterator[list]:
    if entity.vat_on_debits:  # the VAT was due when invoiced: there is no payment to report
        return
    payments = (
        Payment.objects.standing()
        .filter(invoice__entity=entity, received_on__gte=start, received_on__lte=end)
        .select_related("invoice")
        .order_by("received_on", "id")
    )
    for payment in payments:
        invoice = payment.invoice
        yield [
            "payment",
            payment.received_on,
            invoice.number,
            "",
            invoice.customer_country,
            invoice.customer_vat_id,
            invoice.vat_category,
            invoice.vat_rate,
            invoice.currency,
            "",
            "",
            payment.amount,
            1,
        ]


def e_reporting_rows(*, entity: BillingEntity, start: date, end: date) -> Iterator[list]:
    """The rows of COLUMNS for the period `start`..`end` (both included), section after section."""
    yield from _b2c_days(entity=entity, start=start, end=end)
    yield from _b2b_cross_border(entity=entity, start=start, end=end)
    yield from _payments(entity=entity, start=start, end=end)
