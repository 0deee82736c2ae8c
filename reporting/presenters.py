"""The tables of finance's receivables page, each declared once as its columns (config/listing.py).

Their rows are the report's plain rows (reporting.selectors), kept as they are: the report is cached."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice
from config.formatting import format_money, format_quantity
from config.listing import Column, Listing, Table
from tickets.fees import FeeRule
from tickets.models import Ticket

_MONTH = Column(_("Month"), "{month}")

CANCELLED_BY_MONTH_LIST = Listing(
    _MONTH,
    Column(_("Status"), "{status}"),
    Column(_("Amount"), "{amount}", css="num"),
    Column("#", "{invoices}", css="num"),
)

SLA_CREDITS_BY_MONTH_LIST = Listing(
    _MONTH,
    Column(_("Net"), "{net}", css="num"),
    Column(_("Total"), "{gross}", css="num"),
    Column("#", "{credit_notes}", css="num"),
)

# The credit notes CSV's columns (reporting.selectors.CREDIT_NOTES_CSV_COLUMNS) in the reader's language.
CSV_LABELS = {
    "month": _("Month"),
    "kind": _("Kind"),
    "currency": _("Currency"),
    "credit_notes": _("Credit notes"),
    "gross": _("Total"),
}

BANS_BY_MONTH_LIST = Listing(
    _MONTH,
    Column(_("Banned"), "{banned}", css="num"),
    Column(_("Reinstated"), "{reinstated}", css="num"),
)

REFUNDS_OWED_LIST = Listing(
    Column(_("Amount"), "{amount}", css="num"),
    Column("#", "{refunds}", css="num"),
)

DIAGNOSIS_FEES_LIST = Listing(
    Column(_("Rule"), "{rule}"),
    Column("#", "{diagnoses}", css="num"),
    Column(_("Total"), "{gross}", css="num"),
)


SLA_LIST = Listing(
    _MONTH,
    Column(_("Kind"), "{kind}"),
    Column(_("First response on time"), "{first_response_on_time}", css="num"),
    Column(_("First response late"), "{first_response_late}", css="num"),
    Column(_("Diagnosis start on time"), "{diagnosis_start_on_time}", css="num"),
    Column(_("Diagnosis start late"), "{diagnosis_start_late}", css="num"),
    Column(_("Pending"), "{pending}", css="num"),
)


def sla_table(rows: list[dict]) -> Table:
    """The response SLA report (reporting.sla) as finance's page shows it."""

    def counts(row: dict, target: str, outcome: str) -> str:
        return "—" if row[target] is None else format_quantity(row[target][outcome])

    return SLA_LIST.table(
        rows,
        lambda row: {
            "month": row["month"],
            "kind": _label(Ticket.Kind, row["kind"]),
            "first_response_on_time": counts(row, "first_response", "on_time"),
            "first_response_late": counts(row, "first_response", "late"),
            "diagnosis_start_on_time": counts(row, "diagnosis_start", "on_time"),
            "diagnosis_start_late": counts(row, "diagnosis_start", "late"),
            "pending": format_quantity(
                sum(row[target]["pending"] for target in ("first_response", "diagnosis_start") if row[target])
            ),
        },
    )


def receivables_tables(report: dict) -> dict[str, Table]:
    return {
        "cancelled_by_month": CANCELLED_BY_MONTH_LIST.table(
            report["refused_and_lapsed_by_month"],
            lambda row: {
                "month": row["month"],
                "status": _label(Invoice.State, row["status"]),
                "amount": format_money(row["amount"], row["currency"]),
                "invoices": format_quantity(row["invoices"]),
            },
        ),
        "sla_credits_by_month": SLA_CREDITS_BY_MONTH_LIST.table(
            report["sla_credits_by_month"],
            lambda row: {
                "month": row["month"],
                "net": format_money(row["net"], row["currency"]),
                "gross": format_money(row["gross"], row["currency"]),
                "credit_notes": format_quantity(row["credit_notes"]),
            },
        ),
        "bans_by_month": BANS_BY_MONTH_LIST.table(
            report["bans_by_month"],
            lambda row: {
                "month": row["month"],
                "banned": format_quantity(row["banned"]),
                "reinstated": format_quantity(row["reinstated"]),
            },
        ),
        "refunds_owed": REFUNDS_OWED_LIST.table(
            report["refunds_owed"],
            lambda row: {
                "amount": format_money(row["amount"], row["currency"]),
                "refunds": format_quantity(row["refunds"]),
            },
        ),
        "diagnosis_fees": DIAGNOSIS_FEES_LIST.table(
            report["diagnosis_fees"],
            lambda row: {
                "rule": _label(FeeRule, row["rule"]),
                "diagnoses": format_quantity(row["diagnoses"]),
                # No sum where every ticket of the rule had no fee recorded.
                "gross": format_money(row["gross"], row["currency"]) if row["gross"] is not None else "—",
            },
        ),
    }


def _label(choices: type[TextChoices], code: str) -> str:
    """A code in the reader's language; a code no longer among the choices as it is."""
    return choices(code).label if code in choices.values else code
