"""Red team, issue 15: a PDF render held the invoice's row lock (SELECT ... FOR UPDATE during WeasyPrint),
so a refusal queued behind it and timed out. The render now holds a lock of its own, keyed on the
document: the invoice's row stays free, and two renders of one document still render it once."""

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from billing import documents
from billing.models import Invoice
from documents.models import StoredDocument
from documents.store import stored_document_bytes
from tests.billing.conftest import issue_invoice
from tests.concurrency import run_together
from tests.workflow import API, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]

FAKE_PDF = b"%PDF-1.7 rendered by the test"


class SlowRenderer:
    """Stands for WeasyPrint: counts its renders and, while `hold` is clear, blocks mid-render."""

    def __init__(self):
        self.started = threading.Event()
        self.hold = threading.Event()
        self.renders = 0

    def __call__(self, document):
        self.renders += 1
        self.started.set()
        assert self.hold.wait(20), "the test never released the render"
        return FAKE_PDF


@pytest.fixture
def renderer(monkeypatch):
    slow = SlowRenderer()
    monkeypatch.setattr(documents.pdf, "billing_document_pdf", slow)
    yield slow
    slow.hold.set()  # whatever happened, no thread stays blocked


def in_thread(call, results, name):
    def run():
        try:
            results[name] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_refusal_does_not_wait_for_the_invoice_pdf_being_rendered(renderer, customer, customer_account):
    invoice = issue_invoice(customer_account)
    results: dict = {}
    rendering = in_thread(lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk), results, "render")
    assert renderer.started.wait(10)

    started = time.monotonic()
    refusing = in_thread(
        lambda: client_for(customer).post(
            f"{API}/invoices/{invoice.pk}/refuse/", {"reason": "Not mine"}, format="json"
        ),
        results,
        "refuse",
    )
    refusing.join(5)
    took = time.monotonic() - started

    assert not refusing.is_alive(), "the refusal is waiting behind the render"
    assert took < 3
    assert results["refuse"].status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).status == "refused"
    renderer.hold.set()
    rendering.join(10)
    assert stored_document_bytes(results["render"]) == FAKE_PDF


def test_a_payment_does_not_wait_for_the_invoice_pdf_being_rendered(renderer, finance, customer_account):
    invoice = issue_invoice(customer_account)
    results: dict = {}
    rendering = in_thread(lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk), results, "render")
    assert renderer.started.wait(10)

    paying = in_thread(
        lambda: client_for(finance).post(
            f"{API}/invoices/{invoice.pk}/payments/",
            {"amount": "24.00", "received_on": timezone.localdate().isoformat(), "reference": "T1"},
            format="json",
        ),
        results,
        "pay",
    )
    paying.join(5)

    assert not paying.is_alive(), "the payment is waiting behind the render"
    assert results["pay"].status_code == 201
    renderer.hold.set()
    rendering.join(10)


def test_two_renders_at_once_render_the_document_once(renderer, customer_account, monkeypatch):
    invoice = issue_invoice(customer_account)
    renderer.hold.set()  # renders run through; the lock, not the timing, keeps them to one

    def slow_render(document):
        time.sleep(0.3)  # long enough for the other caller to arrive while this one renders
        return SlowRenderer.__call__(renderer, document)

    monkeypatch.setattr(documents.pdf, "billing_document_pdf", slow_render)
    first, second = run_together(
        lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk),
        lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk),
    )

    assert renderer.renders == 1
    assert first.pk == second.pk
    assert StoredDocument.objects.filter(kind="invoice", object_id=invoice.pk).count() == 1


def test_a_second_render_waits_for_the_first_and_returns_its_bytes(renderer, customer_account):
    invoice = issue_invoice(customer_account)
    results: dict = {}
    first = in_thread(lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk), results, "first")
    assert renderer.started.wait(10)
    second = in_thread(lambda: documents.invoice_pdf_stored(invoice_id=invoice.pk), results, "second")
    second.join(1)
    assert second.is_alive()  # queued on the document's lock, not rendering a second copy

    renderer.hold.set()
    first.join(10)
    second.join(10)

    assert renderer.renders == 1
    assert results["first"].pk == results["second"].pk
