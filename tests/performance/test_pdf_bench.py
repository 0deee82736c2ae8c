"""bench/pdf_bench.py builds its documents from the renderers' own types: a change to them must show here,
not on the day someone runs the benchmark."""

import importlib.util
from pathlib import Path

from tests.pdf_helpers import page_count

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pdf_bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("pdf_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_documents_render():
    bench = load_bench()
    from billing import pdf
    from quotes.pdf import quote_pdf

    assert pdf.billing_document_pdf(bench.invoice())[:5] == b"%PDF-"
    assert page_count(quote_pdf(bench.quote(34))) == 3
