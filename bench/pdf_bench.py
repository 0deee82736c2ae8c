#!/usr/bin/env python3
"""PDF rendering throughput, warm, in one process: `python bench/pdf_bench.py` (see docs/performance.md).

Renders a one-page French business invoice (the whole pipeline: HTML, WeasyPrint PDF/A-3b, EPC QR,
CII XML, Factur-X embedding) and a three-page French quote, each after a few warm-up renders, the
way a Celery worker on the `pdf` queue renders them one after another. Needs no database: the
renderers take plain data. Prints the median time per document and documents per second.
Target (issue 5): under 150 ms for the invoice.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from billing import pdf  # noqa: E402
from billing.models import VatCategory  # noqa: E402
from config.money import to_cents, vat_on  # noqa: E402
from quotes.pdf import QuoteDocument, quote_pdf  # noqa: E402
from tests.pdf_helpers import page_count  # noqa: E402

INVOICE_TARGET_MS = 150

SELLER = pdf.Seller(
    name="Exemple Hébergement SAS",
    address="1 rue de l'Exemple\n59100 Roubaix\nFrance",
    country="FR",
    vat_id="FR11123456782",
    company_id="123456782",
    registration="RCS Exempleville 123 456 782, SAS au capital de 10 000 €",
    iban="FR7630006000011234567890189",
    bic="EXMPFRPPXXX",
    late_penalty_rate=Decimal("10.00"),
)
BUYER = pdf.Party(
    name="Boulangerie Dupont SARL",
    address="12 rue des Lilas\n69003 Lyon",
    country="FR",
    vat_id="FR40303265045",
    is_business=True,  # a business invoice: the French business mentions and the Factur-X profile
)


def lines(count: int) -> tuple[pdf.Line, ...]:
    made = []
    for n in range(1, count + 1):
        quantity, unit_price = Decimal(n % 3 + 1), Decimal("49.95") + n
        made.append(
            pdf.Line(
                description=f"Intervention {n} : vérification et remise en service du service "
                f"n° {n}, journaux analysés et configuration corrigée",
                quantity=quantity,
                unit_price=unit_price,
                net=to_cents(quantity * unit_price),
            )
        )
    return tuple(made)


def totals(items) -> dict:
    net = sum((line.net for line in items), Decimal("0.00"))
    vat = vat_on(net, Decimal("20.00"))
    return {"net": net, "vat_rate": Decimal("20.00"), "vat": vat, "gross": net + vat}


def invoice() -> pdf.BillingDocument:
    items = (
        pdf.Line("Diagnostic d'incident, ticket n° 4242", Decimal("1"), Decimal("20.00"), Decimal("20.00")),
        pdf.Line("Remplacement du disque", Decimal("2"), Decimal("49.95"), Decimal("99.90")),
    )
    return pdf.BillingDocument(
        kind=pdf.INVOICE,
        number="FR-2026-004242",
        issued_on=date(2026, 3, 3),
        service_date=date(2026, 3, 2),
        due_on=date(2026, 4, 2),
        language="fr",
        currency="EUR",
        seller=SELLER,
        buyer=BUYER,
        lines=items,
        vat_category=VatCategory.STANDARD,
        **totals(items),
    )


def quote(line_count: int) -> QuoteDocument:
    items = lines(line_count)
    return QuoteDocument(
        number="Q-004242",
        issued_on=date(2026, 3, 3),
        valid_until=date(2026, 3, 17),
        ticket_id=4242,
        language="fr",
        currency="EUR",
        seller=SELLER,
        buyer=BUYER,
        lines=items,
        fee_net=Decimal("20.00"),
        vat_category=VatCategory.STANDARD,
        **totals(items),
    )


def measure(render, *, runs: int, warmup: int) -> dict:
    """Wall time, and the process's CPU time: on a shared machine the second shows the work alone."""
    for _ in range(warmup):
        render()
    wall, cpu = [], []
    started = time.perf_counter()
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        render()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    elapsed = time.perf_counter() - started
    return {
        "median_ms": statistics.median(wall) * 1000,
        "p90_ms": statistics.quantiles(wall, n=10)[-1] * 1000,
        "min_ms": min(wall) * 1000,
        "cpu_ms": statistics.median(cpu) * 1000,
        "per_second": runs / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    invoice_doc = invoice()
    quote_doc = quote(34)
    pages = page_count(quote_pdf(quote_doc))
    cases = [
        ("invoice, 1 page (Factur-X, PDF/A-3b, QR)", lambda: pdf.billing_document_pdf(invoice_doc)),
        (f"quote, {pages} pages", lambda: quote_pdf(quote_doc)),
    ]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"WeasyPrint {version('weasyprint')}, pydyf {version('pydyf')}, factur-x {version('factur-x')}, "
        f"segno {version('segno')}, pypdf {version('pypdf')}"
    )
    print(f"{args.runs} renders each after {args.warmup} warm-up renders, one process, one thread")
    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores")
    print(f"{'document':<44} {'median':>9} {'p90':>9} {'min':>9} {'CPU':>9} {'docs/s':>7}")
    for name, render in cases:
        result = measure(render, runs=args.runs, warmup=args.warmup)
        print(
            f"{name:<44} {result['median_ms']:>6.0f} ms {result['p90_ms']:>6.0f} ms {result['min_ms']:>6.0f} ms "
            f"{result['cpu_ms']:>6.0f} ms {result['per_second']:>7.1f}"
        )
        if name.startswith("invoice"):
            invoice_result = result
    # Rendering is single-threaded: on an idle core its wall time is its CPU time. On a shared machine
    # (load above the cores) the median wall time measures the queue for the CPU, not the renderer.
    if invoice_result["median_ms"] < INVOICE_TARGET_MS:
        verdict = "met (median wall time)"
    elif invoice_result["cpu_ms"] < INVOICE_TARGET_MS and load > (os.cpu_count() or 1):
        verdict = f"met in CPU time; wall time inflated by a load of {load:.1f} on {os.cpu_count()} cores"
    else:
        verdict = "MISSED"
    print(f"invoice target < {INVOICE_TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
