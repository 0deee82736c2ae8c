"""Invoices and credit notes as PDF/A-3b with their Factur-X XML: data in, bytes out.

What each document must say comes from the law (../shared/docs/requirements.md LAW-01, LAW-02,
LAW-03, LAW-08): the VAT Directive art. 226 items on every document, the French mentions (SIREN,
due date, late-penalty rate, escompte, the 40 € recovery indemnity on business invoices) and the
German ones (Steuernummer or USt-IdNr, date of the service, § 286 (3) BGB notice to consumers).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import facturx
import segno.helpers

from billing import einvoice, tax, ubl
from billing.models import VatCategory
from config.formatting import format_date, format_percent, format_quantity
from documents.pdf_engine import html_to_pdf

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PDF_VARIANT = "pdf/a-3b"  # Factur-X is a PDF/A-3 carrying its XML (LAW-16)


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    country: str
    vat_id: str = ""
    company_id: str = ""  # SIREN in France, Steuernummer in Germany
    registration: str = ""  # RCS / Handelsregister, legal form, capital
    is_business: bool = False
    number: str = ""  # the customer number (BT-46) of a buyer
    email: str = ""  # the electronic address of e-invoices (BT-34, BT-49)


@dataclass(frozen=True)
class Seller(Party):
    iban: str = ""
    bic: str = ""
    late_penalty_rate: Decimal = Decimal("0.00")
    late_interest_above_base_rate: bool = False  # the rate is in points above the base rate (§ 288 BGB)
    vat_on_debits: bool = False  # France: VAT paid on invoicing, not on payment (printed, and BT-8)
    website: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal


@dataclass(frozen=True)
class PricedDocument:
    """What every priced document says, invoice, credit note or quote: who sells, to whom, what, for how much."""

    language: str
    currency: str
    seller: Seller
    buyer: Party
    lines: tuple[Line, ...]
    net: Decimal
    vat_rate: Decimal
    vat_category: str  # billing.models.VatCategory: S, AE (reverse charge) or O (outside the scope)
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class BillingDocument(PricedDocument):
    """An invoice or a credit note as issued: everything its PDF and its XML say, nothing more."""

    kind: str  # INVOICE or CREDIT_NOTE
    number: str
    issued_on: date
    service_date: date
    due_on: date | None = None  # invoices only
    # A credit note cites the invoice it cancels (art. 219; § 31 (5) UStDV).
    cancels_number: str = ""
    cancels_issued_on: date | None = None
    reason: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    @property
    def is_business(self) -> bool:
        """A business buyer: the B2B mentions (penalties, the 40 € indemnity) apply."""
        return self.buyer.is_business

    @property
    def type_code(self) -> str:
        """UNTDID 1001: 380 commercial invoice, 381 credit note."""
        return "381" if self.is_credit_note else "380"

    @property
    def amount_due(self) -> Decimal:
        """What the document asks to be paid: the gross of an invoice; nothing on a credit note."""
        return Decimal("0.00") if self.is_credit_note else self.gross


# Why a document bears no VAT, by category and, outside the EU, by the article that puts the sale
# there (billing.tax): printed under the totals and written as BT-120 in the e-invoice.
VAT_MENTIONS = {
    "fr": {
        "AE": "Autoliquidation – article 196 de la directive 2006/112/CE (reverse charge)",
        "O art. 44": "Opération hors du champ d'application de la TVA de l'UE – article 44 de la directive "
        "2006/112/CE",
        "O art. 59": "Opération hors du champ d'application de la TVA de l'UE – article 59 de la directive "
        "2006/112/CE",
    },
    "de": {
        "AE": "Steuerschuldnerschaft des Leistungsempfängers – Artikel 196 der Richtlinie 2006/112/EG "
        "(reverse charge)",
        "O art. 44": "Nicht im Gebiet der EU steuerbare Leistung – Artikel 44 der Richtlinie 2006/112/EG",
        "O art. 59": "Nicht im Gebiet der EU steuerbare Leistung – Artikel 59 der Richtlinie 2006/112/EG",
    },
    "en": {
        "AE": "Reverse charge – Article 196 of Directive 2006/112/EC",
        "O art. 44": "Outside the scope of EU VAT – Article 44 of Directive 2006/112/EC",
        "O art. 59": "Outside the scope of EU VAT – Article 59 of Directive 2006/112/EC",
    },
}


def vat_mention(document: "PricedDocument") -> str:
    """The mention that explains a document without VAT, in its language; empty under the standard rate."""
    basis = tax.legal_basis(document.vat_category, buyer_is_business=document.buyer.is_business)
    if not basis:
        return ""
    key = "AE" if document.vat_category == VatCategory.REVERSE_CHARGE else f"O {basis}"
    return VAT_MENTIONS.get(document.language, VAT_MENTIONS["en"])[key]


# What the documents say, per language. Explicit here rather than in .po files, so a legal
# mention can never silently fall back to English when a translation catalogue is missing.
TEXTS = {
    "fr": {
        "invoice_title": "Facture",
        "credit_note_title": "Facture d'avoir",
        "number": "N°",
        "issued_on": "Date d'émission",
        "service_date": "Date de la prestation",
        "due_on": "Date d'échéance",
        "seller": "Émetteur",
        "buyer": "Client",
        "vat_id": "N° TVA intracommunautaire",
        "company_id": "SIREN",
        "nature": "Nature : prestations de services",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unitaire HT",
        "line_net": "Total HT",
        "net": "Total HT",
        "vat": "TVA",
        "gross": "Total TTC",
        "amount_due": "Net à payer",
        "credited": "Montant de l'avoir TTC",
        "payment": "Règlement par virement SEPA",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Référence à indiquer",
        "qr_caption": "Scannez pour payer",
        "conditions": "Conditions de paiement",
        "terms": "Paiement à {days} jours à compter de la date d'émission, au plus tard le {due} ({due_iso}).",
        "no_discount": "Pas d'escompte pour paiement anticipé.",
        "late_penalty": "En cas de retard de paiement, des pénalités de retard au taux annuel de {rate} "
        "sont exigibles dès le lendemain de la date d'échéance (art. L441-10 du Code de "
        "commerce).",
        "late_penalty_above_base": "En cas de retard de paiement, des pénalités de retard au taux "
        "directeur de la BCE majoré de {points} points sont exigibles dès le lendemain de la date "
        "d'échéance (art. L441-10 du Code de commerce).",
        "customer_number": "N° client",
        "vat_on_debits": "Option pour le paiement de la taxe d'après les débits",
        "recovery": "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        "consumer_default": "",
        "cancels": "Cette facture d'avoir annule intégralement la facture n° {number} du {date}.",
        "no_payment_due": "Aucune somme n'est due au titre de la facture annulée.",
        "reasons": {
            "refused": "Motif : facture contestée par le client.",
            "lapsed": "Motif : facture non réglée à l'échéance.",
            "sla_credit": "Motif : avoir au titre de l'engagement de niveau de service (SLA) pour une "
            "indisponibilité imputable au prestataire.",
        },
        "credited_to_customer": "Le montant de cet avoir est dû au client : il lui est remboursé par "
        "virement.",
        "page": "Page",
        "colon": "\u00a0: ",
        "vat_rate": "TVA {rate}",
        "footer_vat": "TVA",
    },
    "de": {
        "invoice_title": "Rechnung",
        "credit_note_title": "Stornorechnung",
        "number": "Nr.",
        "issued_on": "Rechnungsdatum",
        "service_date": "Leistungsdatum",
        "due_on": "Fällig am",
        "seller": "Leistender Unternehmer",
        "buyer": "Leistungsempfänger",
        "vat_id": "USt-IdNr.",
        "company_id": "Steuernummer",
        "nature": "Art der Leistung: Dienstleistungen",
        "description": "Bezeichnung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis netto",
        "line_net": "Gesamt netto",
        "net": "Summe netto",
        "vat": "USt.",
        "gross": "Gesamtbetrag brutto",
        "amount_due": "Zahlbetrag",
        "credited": "Stornobetrag brutto",
        "payment": "Zahlung per SEPA-Überweisung",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Verwendungszweck",
        "qr_caption": "GiroCode scannen",
        "conditions": "Zahlungsbedingungen",
        "terms": "Zahlbar innerhalb von {days} Tagen ab Rechnungsdatum ohne Abzug, spätestens am {due}.",
        "no_discount": "Skonto wird nicht gewährt.",
        "late_penalty": "Bei Zahlungsverzug berechnen wir Verzugszinsen in Höhe von {rate} jährlich.",
        "late_penalty_above_base": "Bei Zahlungsverzug berechnen wir Verzugszinsen in Höhe von {points} "
        "Prozentpunkten über dem Basiszinssatz (§ 288 Abs. 2 BGB).",
        "customer_number": "Kundennummer",
        "vat_on_debits": "Option für die Versteuerung nach vereinbarten Entgelten (« option pour les débits »)",
        "recovery": "Verzugspauschale bei Zahlungsverzug: 40 € (§ 288 Abs. 5 BGB).",
        "consumer_default": "Hinweis nach § 286 Abs. 3 BGB: Sie kommen spätestens in Verzug, wenn Sie nicht "
        "innerhalb von 30 Tagen nach Fälligkeit und Zugang dieser Rechnung zahlen.",
        "cancels": "Diese Stornorechnung storniert vollständig die Rechnung Nr. {number} vom {date}.",
        "no_payment_due": "Aus der stornierten Rechnung ist kein Betrag mehr zu zahlen.",
        "reasons": {
            "refused": "Grund: Die Rechnung wurde vom Kunden zurückgewiesen.",
            "lapsed": "Grund: Die Rechnung wurde bis zur Fälligkeit nicht bezahlt.",
            "sla_credit": "Grund: Erstattung aus der Service-Level-Vereinbarung (SLA) für eine vom Anbieter "
            "verschuldete Nichtverfügbarkeit.",
        },
        "credited_to_customer": "Der Betrag dieser Stornorechnung steht dem Kunden zu: Er wird ihm per "
        "Überweisung erstattet.",
        "page": "Seite",
        "colon": ": ",
        "vat_rate": "USt. {rate}",
        "footer_vat": "USt-IdNr.",
    },
    "en": {
        "invoice_title": "Invoice",
        "credit_note_title": "Credit note",
        "number": "No.",
        "issued_on": "Issue date",
        "service_date": "Date of service",
        "due_on": "Due date",
        "seller": "Supplier",
        "buyer": "Customer",
        "vat_id": "VAT number",
        "company_id": "Company number",
        "nature": "Nature: supply of services",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price (net)",
        "line_net": "Net",
        "net": "Net total",
        "vat": "VAT",
        "gross": "Total incl. VAT",
        "amount_due": "Amount due",
        "credited": "Amount credited incl. VAT",
        "payment": "Payment by SEPA credit transfer",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Reference",
        "qr_caption": "Scan to pay",
        "conditions": "Payment terms",
        "terms": "Payable within {days} days of the issue date, by {due} at the latest.",
        "no_discount": "No discount for early payment.",
        "late_penalty": "Late payments bear interest at a yearly rate of {rate}.",
        "late_penalty_above_base": "Late payments bear interest at {points} percentage points above the "
        "central bank's base rate.",
        "customer_number": "Customer no.",
        "vat_on_debits": "VAT is paid on invoicing (« option pour le paiement de la taxe d'après les débits »)",
        "recovery": "Fixed compensation for recovery costs: €40.",
        "consumer_default": "",
        "cancels": "This credit note cancels invoice no. {number} of {date} in full.",
        "no_payment_due": "Nothing is owed on the cancelled invoice.",
        "reasons": {
            "refused": "Reason: the customer disputed the invoice.",
            "lapsed": "Reason: the invoice was not paid by its due date.",
            "sla_credit": "Reason: credit under the service level agreement (SLA) for an outage caused by the "
            "provider.",
        },
        "credited_to_customer": "The amount of this credit note is owed to the customer: it is refunded by "
        "bank transfer.",
        "page": "Page",
        "colon": ": ",
        "vat_rate": "VAT {rate}",
        "footer_vat": "VAT",
    },
}


def texts_for(language: str) -> dict:
    return TEXTS.get(language, TEXTS["en"])


def payment_mentions(document: BillingDocument) -> list[tuple[str, str]]:
    """The payment conditions printed under the totals, as the seller's law requires them.

    Each with its UNTDID 4451 subject code for the XML (French e-invoicing practice: AAB terms and
    escompte, PMD late-payment penalties, PMT the recovery indemnity).
    """
    t = texts_for(document.language)
    lang = document.language
    # Why there is no VAT, first: the buyer accounts for it, or the sale is outside the EU's VAT.
    vat = [("TXD", mention)] if (mention := vat_mention(document)) else []
    if document.seller.vat_on_debits and document.vat_category == VatCategory.STANDARD:
        vat.append(("TXD", t["vat_on_debits"]))
    if document.is_credit_note and document.cancels_issued_on is None:  # an SLA credit: the money is theirs
        return [*vat, ("AAB", t["credited_to_customer"])]
    if document.is_credit_note:
        return [("AAI", document_citation(document)), *vat, ("AAB", t["no_payment_due"])]
    assert document.due_on is not None  # an invoice has a due day
    # The exact due date, also as YYYY-MM-DD for the French reader (LAW-02).
    mentions = vat + [
        (
            "AAB",
            t["terms"].format(
                days=(document.due_on - document.issued_on).days,
                due=format_date(document.due_on, language=lang),
                due_iso=document.due_on.isoformat(),
            ),
        )
    ]
    if document.is_business:
        mentions.append(("AAB", t["no_discount"]))
        mentions.append(("PMD", late_interest_mention(document)))
        mentions.append(("PMT", t["recovery"]))
    elif t["consumer_default"]:
        mentions.append(("AAB", t["consumer_default"]))
    return mentions


def late_interest_mention(document: BillingDocument) -> str:
    """A fixed yearly rate (France), or points above the base rate (Germany, § 288 (2) BGB): never a
    yearly percentage where the law means points above a moving rate."""
    t = texts_for(document.language)
    seller = document.seller
    if seller.late_interest_above_base_rate:
        return t["late_penalty_above_base"].format(
            points=format_quantity(seller.late_penalty_rate, language=document.language)
        )
    return t["late_penalty"].format(rate=format_percent(seller.late_penalty_rate, language=document.language))


def document_citation(document: BillingDocument) -> str:
    """ "This credit note cancels invoice no. … of …": the cited invoice's number and date."""
    assert document.cancels_issued_on is not None  # only a credit note cites, and it cites its invoice
    t = texts_for(document.language)
    return t["cancels"].format(
        number=document.cancels_number,
        date=format_date(document.cancels_issued_on, language=document.language),
    )


def iban_display(iban: str) -> str:
    """An IBAN in groups of four, as banks print it."""
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def epc_qr(document: BillingDocument) -> segno.QRCode | None:
    """A GiroCode (EPC QR) for a SEPA transfer of the amount due, the document number as remittance text."""
    if document.is_credit_note or document.currency != "EUR" or document.amount_due <= 0:
        return None
    return segno.helpers.make_epc_qr(
        name=document.seller.name[:70],
        iban=document.seller.iban.replace(" ", ""),
        amount=document.amount_due,
        text=document.number,
        bic=document.seller.bic or None,
    )


def epc_qr_data_uri(document: BillingDocument) -> str:
    qr = epc_qr(document)
    # One pixel per module, scaled up by the PDF viewer without smoothing (CSS image-rendering:
    # pixelated): sharp at any zoom, and far cheaper to lay out than the SVG of the same code.
    return qr.png_data_uri(scale=1, border=0) if qr is not None else ""


CII, UBL = "cii", "ubl"


def billing_document_xml(document: BillingDocument, *, syntax: str) -> bytes:
    """The e-invoice of an invoice or a credit note: Factur-X CII (the one the PDF embeds) or Peppol UBL.

    Both carry the seller's registration and every mention printed under the totals, with their
    UNTDID 4451 subject codes, and the reason for a document without VAT (BT-120).
    """
    seller_note = ("REG", " – ".join(filter(None, [document.seller.name, document.seller.registration])))
    notes = [seller_note, *payment_mentions(document)]
    build = {CII: einvoice.cii_xml, UBL: ubl.ubl_xml}[syntax]
    return build(document, notes=notes, exemption_reason=vat_mention(document))


def billing_document_pdf(document: BillingDocument) -> bytes:
    """The Factur-X PDF of an invoice or a credit note: PDF/A-3b with its EN 16931 CII XML embedded."""
    t = texts_for(document.language)
    title = t["credit_note_title"] if document.is_credit_note else t["invoice_title"]
    mentions = payment_mentions(document)
    context = {
        "doc": document,
        "seller": document.seller,
        "t": t,
        "title": title,
        "buyer_siren": einvoice.french_siren(document.buyer),
        "vat_label": t["vat_rate"].format(rate=format_percent(document.vat_rate, language=document.language)),
        "iban_display": iban_display(document.seller.iban),
        "citation": document_citation(document) if document.cancels_issued_on is not None else "",
        "conditions_title": t["conditions"],
        "conditions": [text for code, text in mentions if code != "AAI"],
        "reason": t["reasons"].get(document.reason, "") if document.is_credit_note else "",
        "qr": epc_qr_data_uri(document),
    }
    pdf = html_to_pdf(
        template="pdf/billing/invoice.html",
        context=context,
        language=document.language,
        pdf_variant=PDF_VARIANT,
    )
    xml = billing_document_xml(document, syntax=CII)
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,  # an invalid XML must stop the issue of the PDF, not reach the customer
        check_schematron=False,  # the schematron needs an external Saxon server: never from here
        pdf_metadata={
            "author": document.seller.name,
            "keywords": "Factur-X",
            "title": f"{title} {document.number}",
            "subject": f"{title} {document.number} – {document.seller.name}",
        },
        lang={"fr": "fr-FR", "de": "de-DE"}.get(document.language, "en"),
    )
