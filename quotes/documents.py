"""The quote's stored PDF: rendered once when the quote is sent, served byte for byte afterwards."""

from django.conf import settings
from django.utils import timezone

from accounts.selectors import billing_entity_for_country
from billing.documents import document_lines, party_of, priced_document
from documents.models import StoredDocument
from documents.store import Kind, stored_document_get_or_render
from quotes.models import Quote
from quotes.pdf import QuoteDocument, quote_number, quote_pdf
from tickets.fees import BillingMoment, Outcome, ticket_charge


def quote_document(quote: Quote) -> QuoteDocument:
    ticket = quote.ticket
    customer = ticket.customer
    entity = billing_entity_for_country(country=customer.country)
    assert entity is not None  # a customer account exists only where an entity bills it
    # The fee goes on the work's invoice exactly when the outcome table bills it at completion.
    charge = ticket_charge(
        outcome=Outcome.QUOTED,
        moment=BillingMoment.WORK_COMPLETED,
        suspected_provider_fault=ticket.suspected_provider_fault,
        fee_free=bool(ticket.fee_free),
    )
    return priced_document(
        QuoteDocument,
        entity=entity,
        buyer=party_of(customer),
        lines=document_lines(quote.lines),
        amounts=quote,
        vat_rate=quote.vat_rate,
        vat_category=quote.vat_category,
        language=customer.language,
        number=quote_number(quote),
        issued_on=timezone.localdate(quote.sent_at),
        valid_until=quote.valid_until,
        ticket_id=ticket.pk,
        payment_days=settings.INVOICE_PAYMENT_DAYS,
        fee_net=ticket.fee_net if charge.bill_fee_now else None,
    )


def quote_pdf_stored(*, quote_id: int) -> StoredDocument:
    """The quote's PDF as sent; rendered now, once, if its after-commit rendering has not run yet."""

    def render() -> bytes:
        quote = Quote.objects.select_related("ticket__customer").get(pk=quote_id)
        return quote_pdf(quote_document(quote))

    return stored_document_get_or_render(kind=Kind.QUOTE, object_id=quote_id, render=render)
