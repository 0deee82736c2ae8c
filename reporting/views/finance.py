"""Finance: the receivables summary, with its chart drawn on the server (an SVG, no script)."""

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts.permissions import FinanceRequiredMixin
from billing import aging
from config.csv import CsvFormat, csv_format_from, csv_response
from config.replica import heavy_reads
from config.routing import route
from reporting.presenters import CSV_LABELS, receivables_tables, sla_table
from reporting.selectors import CREDIT_NOTES_CSV_COLUMNS, credit_notes_by_month_rows, receivables_report
from reporting.sla import sla_report_cached

CHART_WIDTH = 560
BAR_HEIGHT = 26
# The labels take the first 180 units; the amount and count written after the longest bar, up to 100.
BARS_FROM, TEXT_ROOM = 180, 100
# The response SLA section: this month and the five before (the API gives up to 36).
SLA_PAGE_MONTHS = 6


def open_amounts_chart(rows: list[dict]) -> dict:
    """Bar geometry for the open amounts by days to due, one bar per bucket and currency."""
    top = max((row["amount"] for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        width = int((CHART_WIDTH - BARS_FROM - TEXT_ROOM) * row["amount"] / top)
        bucket = aging.BY_NAME[row["days_to_due"]]
        bars.append(
            {
                **row,
                "label": bucket.label,
                "overdue": bucket is aging.OVERDUE,
                "y": index * (BAR_HEIGHT + 8),
                "width": max(width, 1),
                "text_x": BARS_FROM + width + 6,
            }
        )
    return {
        "bars": bars,
        "height": max(len(bars), 1) * (BAR_HEIGHT + 8),
        "width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


@route("receivables/", name="receivables")
class ReceivablesView(FinanceRequiredMixin, View):
    def get(self, request):
        with heavy_reads(request):
            report = receivables_report(today=timezone.localdate())
        return render(
            request,
            "finance/reporting/receivables.html",
            {
                "report": report,
                "chart": open_amounts_chart(report["open_by_days_to_due"]),
                "tables": receivables_tables(report),
                "sla": sla_table(sla_report_cached(months=SLA_PAGE_MONTHS)["months"]),
            },
        )


@route("receivables/credit-notes.csv", name="credit-notes-csv")
class ReceivablesCreditNotesCsvView(FinanceRequiredMixin, View):
    """The credit notes by month (refused, lapsed, SLA credits: each its own line), header in the reader's
    language; `?sep=semicolon&decimal=comma` for a French or German spreadsheet."""

    def get(self, request):
        with heavy_reads(request):
            report = receivables_report(today=timezone.localdate())
        return csv_response(
            CREDIT_NOTES_CSV_COLUMNS,
            credit_notes_by_month_rows(report),
            filename="receivables-credit-notes.csv",
            fmt=csv_format_from(request.GET, default=CsvFormat(labels=True)),
            labels=CSV_LABELS,
        )
