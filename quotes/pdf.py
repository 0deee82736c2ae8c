"""The quote as a PDF: data in, bytes out (LAW-15: date, validity, lines net, VAT, gross, terms)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypedDict

from billing.einvoice import french_siren
from billing.pdf import PricedDocument, vat_mention
from config.formatting import format_date, format_money, format_percent
from documents.pdf_engine import html_to_pdf


@dataclass(frozen=True)
class QuoteDocument(PricedDocument):
    number: str
    issued_on: date
    valid_until: date
    ticket_id: int
    payment_days: int = 30
    # The diagnosis fee billed with the work, when the ticket's fee is due (not free, not waived).
    fee_net: Decimal | None = None


def quote_number(quote) -> str:
    """The quote's legal number; quotes sent before quotes were numbered keep the name they had."""
    return quote.number or f"Q-{quote.pk:06d}"


class Texts(TypedDict):
    """The words of the quote in one language: every language has every one."""

    title: str
    customer_number: str
    number: str
    issued_on: str
    valid_until: str
    ticket: str
    seller: str
    buyer: str
    vat_id: str
    company_id: str
    colon: str
    description: str
    quantity: str
    unit_price: str
    line_net: str
    net: str
    vat_rate: str
    gross: str
    terms_title: str
    terms: list[str]
    fee: str
    nature: str
    page: str
    footer_vat: str


TEXTS: dict[str, Texts] = {
    "fr": {
        "title": "Devis",
        "number": "N°",
        "issued_on": "Date du devis",
        "valid_until": "Valable jusqu'au",
        "ticket": "Ticket",
        "seller": "Prestataire",
        "buyer": "Client",
        "vat_id": "N° TVA intracommunautaire",
        "company_id": "SIREN",
        "colon": "\u00a0: ",
        "customer_number": "N° client",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unitaire HT",
        "line_net": "Total HT",
        "net": "Total HT",
        "vat_rate": "TVA {rate}",
        "gross": "Total TTC",
        "terms_title": "Conditions",
        "terms": [
            "Les travaux commencent dès l'acceptation de ce devis, sans acompte ni paiement préalable.",
            "La facture est émise à l'achèvement des travaux ; elle est payable à {days} jours.",
            "Ce devis est valable jusqu'au {valid_until} inclus ; il s'accepte ou se refuse depuis votre "
            "espace client.",
        ],
        "fee": "Le diagnostic ({fee} HT) est facturé avec les travaux. En cas de refus ou d'expiration de "
        "ce devis, seul le diagnostic est facturé.",
        "nature": "Nature : prestations de services",
        "page": "Page",
        "footer_vat": "TVA",
    },
    "de": {
        "title": "Angebot",
        "number": "Nr.",
        "issued_on": "Angebotsdatum",
        "valid_until": "Gültig bis",
        "ticket": "Ticket",
        "seller": "Anbieter",
        "buyer": "Kunde",
        "vat_id": "USt-IdNr.",
        "company_id": "Steuernummer",
        "colon": ": ",
        "customer_number": "Kundennummer",
        "description": "Bezeichnung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis netto",
        "line_net": "Gesamt netto",
        "net": "Summe netto",
        "vat_rate": "USt. {rate}",
        "gross": "Gesamtbetrag brutto",
        "terms_title": "Bedingungen",
        "terms": [
            "Die Arbeiten beginnen mit der Annahme dieses Angebots, ohne Anzahlung oder Vorauszahlung.",
            "Die Rechnung wird nach Abschluss der Arbeiten gestellt und ist innerhalb von {days} Tagen "
            "zahlbar.",
            "Dieses Angebot ist bis einschließlich {valid_until} gültig; Sie nehmen es in Ihrem Kundenbereich "
            "an oder lehnen es dort ab.",
        ],
        "fee": "Die Diagnose ({fee} netto) wird zusammen mit den Arbeiten berechnet. Lehnen Sie das Angebot "
        "ab oder läuft es ab, wird nur die Diagnose berechnet.",
        "nature": "Art der Leistung: Dienstleistungen",
        "page": "Seite",
        "footer_vat": "USt-IdNr.",
    },
    "en": {
        "title": "Quote",
        "number": "No.",
        "issued_on": "Quote date",
        "valid_until": "Valid until",
        "ticket": "Ticket",
        "seller": "Supplier",
        "buyer": "Customer",
        "vat_id": "VAT number",
        "company_id": "Company number",
        "colon": ": ",
        "customer_number": "Customer no.",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price (net)",
        "line_net": "Net",
        "net": "Net total",
        "vat_rate": "VAT {rate}",
        "gross": "Total incl. VAT",
        "terms_title": "Terms",
        "terms": [
            "Work starts as soon as this quote is accepted, with no deposit and no prepayment.",
            "The invoice is issued when the work is complete; it is payable within {days} days.",
            "This quote is valid until {valid_until} inclusive; accept or decline it in your customer area.",
        ],
        "fee": "The diagnosis ({fee} net) is invoiced with the work. If this quote is declined or expires, "
        "only the diagnosis is invoiced.",
        "nature": "Nature: supply of services",
        "page": "Page",
        "footer_vat": "VAT",
    },
}


def quote_pdf(document: QuoteDocument) -> bytes:
    """The quote's PDF: date, validity, lines, net, VAT and gross, and the terms of the work."""
    t = TEXTS.get(document.language, TEXTS["en"])
    lang = document.language
    terms = [
        line.format(days=document.payment_days, valid_until=format_date(document.valid_until, language=lang))
        for line in t["terms"]
    ]
    if mention := vat_mention(document):
        terms.insert(0, mention)
    if document.fee_net:
        terms.append(t["fee"].format(fee=format_money(document.fee_net, document.currency, language=lang)))
    context = {
        "doc": document,
        "seller": document.seller,
        "t": t,
        "conditions_title": t["terms_title"],
        "conditions": terms,
        "vat_label": t["vat_rate"].format(rate=format_percent(document.vat_rate, language=lang)),
        "buyer_siren": french_siren(document.buyer),
    }
    return html_to_pdf(template="pdf/quotes/quote.html", context=context, language=lang)
