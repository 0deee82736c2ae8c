"""The EN 16931 CII XML of an invoice or a credit note (Factur-X profile EN16931).

"XML is leading" (LAW-16): the XML carries every VAT-relevant datum of the document: parties with
their VAT and company numbers, dates, lines, the VAT breakdown and totals, the payment account. It
carries nothing else: no ticket subject, description or findings (PRIV-09); it is built from a
`BillingDocument`, which has no field for them.
"""

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from billing.models import VatCategory
from billing.tax import EXEMPTION_CODES

if TYPE_CHECKING:
    from billing.pdf import BillingDocument, Party

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"

# BT-23: the business process, Peppol's billing process (the French reform's platforms accept it).
BUSINESS_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
EMAIL_SCHEME = "EM"  # CEF EAS code of an electronic address that is an e-mail address
# BT-8 (UNTDID 2475) of a French seller: VAT falls due on the invoice's date (option for the débits)
# or, for services by default, on payment.
VAT_DUE_ON_INVOICE_DATE = "5"
VAT_DUE_ON_PAYMENT = "72"
UNIT_ONE = "C62"  # UN/ECE rec. 20 "one": our lines count services, not hours or kilograms
PAYMENT_SEPA_CREDIT_TRANSFER = "58"
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the French SIRENE register
# BT-32: the seller's national tax number (German Steuernummer) is a tax registration "FC".
TAX_NUMBER_SCHEME = "FC"
POSTCODE_CITY = re.compile(r"^\s*(?:[A-Z]{1,2}-)?(\d{4,5})\s+(.+?)\s*$")
COUNTRY_LINES = {"france", "deutschland", "germany", "allemagne", "frankreich"}


def _e(parent, ns: str, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _date102(parent, ns: str, tag: str, day: date) -> None:
    """A date in UN/CEFACT format 102 (CCYYMMDD)."""
    _e(parent, ns, tag, day.strftime("%Y%m%d"), format="102")


def address_parts(address: str) -> dict[str, str]:
    """Split a free-text postal address into street lines, postcode and city, as CII wants them."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    lines = [line for line in lines if line.lower() not in COUNTRY_LINES]
    postcode = city = ""
    for index in range(len(lines) - 1, -1, -1):
        if match := POSTCODE_CITY.match(lines[index]):
            postcode, city = match.groups()
            del lines[index]
            break
    return {
        "PostcodeCode": postcode,
        "LineOne": lines[0] if lines else "",
        "LineTwo": ", ".join(lines[1:]),
        "CityName": city,
    }


def _party(
    parent,
    tag: str,
    party: "Party",
    *,
    siren: str = "",
    tax_number: str = "",
    email: str = "",
    with_vat_id: bool = True,
) -> None:
    node = _e(parent, RAM, tag)
    if party.number:
        _e(node, RAM, "ID", party.number)  # BT-46, the buyer's customer number
    _e(node, RAM, "Name", party.name)
    if siren:
        legal = _e(node, RAM, "SpecifiedLegalOrganization")
        _e(legal, RAM, "ID", siren, schemeID=SIREN_SCHEME)
    address = _e(node, RAM, "PostalTradeAddress")
    parts = address_parts(party.address)
    for key in ("PostcodeCode", "LineOne", "LineTwo", "CityName"):
        if parts[key]:
            _e(address, RAM, key, parts[key])
    _e(address, RAM, "CountryID", party.country)
    if email:
        _e(_e(node, RAM, "URIUniversalCommunication"), RAM, "URIID", email, schemeID=EMAIL_SCHEME)
    # Outside the scope of VAT, neither party's VAT number is stated (EN 16931 BR-O-02).
    if party.vat_id and with_vat_id:
        registration = _e(node, RAM, "SpecifiedTaxRegistration")
        _e(registration, RAM, "ID", party.vat_id, schemeID="VA")
    if tax_number:
        registration = _e(node, RAM, "SpecifiedTaxRegistration")
        _e(registration, RAM, "ID", tax_number, schemeID=TAX_NUMBER_SCHEME)


def vat_due_code(document: "BillingDocument") -> str | None:
    """BT-8 of a French seller's document that bears VAT: on the invoice's date or on payment."""
    if document.seller.country != "FR" or document.vat_category in EXEMPTION_CODES:
        return None
    return VAT_DUE_ON_INVOICE_DATE if document.seller.vat_on_debits else VAT_DUE_ON_PAYMENT


def french_siren(party: "Party") -> str:
    """The SIREN of a French party: its company number, or the last nine digits of its FR VAT number."""
    if party.country != "FR":
        return ""
    if re.fullmatch(r"\d{9}", party.company_id.replace(" ", "")):
        return party.company_id.replace(" ", "")
    match = re.fullmatch(r"FR[0-9A-Z]{2}(\d{9})", party.vat_id.replace(" ", "").upper())
    return match.group(1) if match else ""


def cii_xml(
    document: "BillingDocument", *, notes: list[tuple[str, str]], exemption_reason: str = ""
) -> bytes:
    """The Factur-X EN16931 CII XML of `document` (type code 380 invoice, 381 credit note).

    `notes` are the mentions printed on the PDF, with their UNTDID 4451 subject codes, so that an
    accounting system reads the same payment terms as a person.
    """
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _e(root, RSM, "ExchangedDocumentContext")
    _e(_e(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID", BUSINESS_PROCESS)
    _e(_e(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", EN16931)

    header = _e(root, RSM, "ExchangedDocument")
    _e(header, RAM, "ID", document.number)
    _e(header, RAM, "TypeCode", document.type_code)
    _date102(_e(header, RAM, "IssueDateTime"), UDT, "DateTimeString", document.issued_on)
    for subject_code, content in notes:
        note = _e(header, RAM, "IncludedNote")
        _e(note, RAM, "Content", content)
        _e(note, RAM, "SubjectCode", subject_code)

    transaction = _e(root, RSM, "SupplyChainTradeTransaction")
    for position, line in enumerate(document.lines, start=1):
        item = _e(transaction, RAM, "IncludedSupplyChainTradeLineItem")
        _e(_e(item, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", str(position))
        _e(_e(item, RAM, "SpecifiedTradeProduct"), RAM, "Name", line.description)
        price = _e(_e(item, RAM, "SpecifiedLineTradeAgreement"), RAM, "NetPriceProductTradePrice")
        _e(price, RAM, "ChargeAmount", _amount(line.unit_price))
        _e(
            _e(item, RAM, "SpecifiedLineTradeDelivery"),
            RAM,
            "BilledQuantity",
            f"{line.quantity:.2f}",
            unitCode=UNIT_ONE,
        )
        settlement = _e(item, RAM, "SpecifiedLineTradeSettlement")
        tax = _e(settlement, RAM, "ApplicableTradeTax")
        _e(tax, RAM, "TypeCode", "VAT")
        _e(tax, RAM, "CategoryCode", document.vat_category)
        if document.vat_category != VatCategory.OUTSIDE_SCOPE:  # no rate outside the scope (BR-O-05)
            _e(tax, RAM, "RateApplicablePercent", _amount(document.vat_rate))
        _e(
            _e(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation"),
            RAM,
            "LineTotalAmount",
            _amount(line.net),
        )

    agreement = _e(transaction, RAM, "ApplicableHeaderTradeAgreement")
    seller_tax_number = document.seller.company_id if document.seller.country != "FR" else ""
    with_vat_ids = document.vat_category != VatCategory.OUTSIDE_SCOPE
    _party(
        agreement,
        "SellerTradeParty",
        document.seller,
        siren=french_siren(document.seller),
        tax_number=seller_tax_number,
        email=document.seller.email,
        with_vat_id=with_vat_ids,
    )
    _party(
        agreement,
        "BuyerTradeParty",
        document.buyer,
        siren=french_siren(document.buyer),
        email=document.buyer.email,
        with_vat_id=with_vat_ids,
    )

    delivery = _e(transaction, RAM, "ApplicableHeaderTradeDelivery")
    event = _e(delivery, RAM, "ActualDeliverySupplyChainEvent")
    _date102(_e(event, RAM, "OccurrenceDateTime"), UDT, "DateTimeString", document.service_date)

    settlement = _e(transaction, RAM, "ApplicableHeaderTradeSettlement")
    if not document.is_credit_note:
        _e(settlement, RAM, "PaymentReference", document.number)
    _e(settlement, RAM, "InvoiceCurrencyCode", document.currency)
    if not document.is_credit_note and document.seller.iban:
        means = _e(settlement, RAM, "SpecifiedTradeSettlementPaymentMeans")
        _e(means, RAM, "TypeCode", PAYMENT_SEPA_CREDIT_TRANSFER)
        _e(
            _e(means, RAM, "PayeePartyCreditorFinancialAccount"),
            RAM,
            "IBANID",
            document.seller.iban.replace(" ", ""),
        )
        if document.seller.bic:
            _e(
                _e(means, RAM, "PayeeSpecifiedCreditorFinancialInstitution"),
                RAM,
                "BICID",
                document.seller.bic,
            )
    tax = _e(settlement, RAM, "ApplicableTradeTax")
    _e(tax, RAM, "CalculatedAmount", _amount(document.vat))
    _e(tax, RAM, "TypeCode", "VAT")
    if exemption_reason:
        _e(tax, RAM, "ExemptionReason", exemption_reason)
    _e(tax, RAM, "BasisAmount", _amount(document.net))
    _e(tax, RAM, "CategoryCode", document.vat_category)
    if document.vat_category in EXEMPTION_CODES:
        _e(tax, RAM, "ExemptionReasonCode", EXEMPTION_CODES[document.vat_category])
    elif (due := vat_due_code(document)) is not None:
        _e(tax, RAM, "DueDateTypeCode", due)
    if document.vat_category != VatCategory.OUTSIDE_SCOPE:
        _e(tax, RAM, "RateApplicablePercent", _amount(document.vat_rate))
    if document.due_on and not document.is_credit_note:
        terms = _e(settlement, RAM, "SpecifiedTradePaymentTerms")
        _date102(_e(terms, RAM, "DueDateDateTime"), UDT, "DateTimeString", document.due_on)
    totals = _e(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _e(totals, RAM, "LineTotalAmount", _amount(sum((line.net for line in document.lines), Decimal("0"))))
    _e(totals, RAM, "TaxBasisTotalAmount", _amount(document.net))
    _e(totals, RAM, "TaxTotalAmount", _amount(document.vat), currencyID=document.currency)
    _e(totals, RAM, "GrandTotalAmount", _amount(document.gross))
    _e(totals, RAM, "DuePayableAmount", _amount(document.gross))
    if document.cancels_issued_on is not None:  # a cancellation cites its invoice; an SLA credit none
        cited = _e(settlement, RAM, "InvoiceReferencedDocument")
        _e(cited, RAM, "IssuerAssignedID", document.cancels_number)
        _date102(_e(cited, RAM, "FormattedIssueDateTime"), QDT, "DateTimeString", document.cancels_issued_on)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
