"""The UBL 2.1 XML of an invoice or a credit note, Peppol BIS Billing 3.0 (EN 16931 in UBL syntax).

The same data as the CII of billing/einvoice.py, from the same `BillingDocument` and the same
rules (categories, exemption reasons, addresses, identifiers): a receiving platform may ask for either
syntax, and the suite runs the EN 16931 rules over both.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from billing import einvoice
from billing.models import VatCategory
from billing.tax import EXEMPTION_CODES

if TYPE_CHECKING:
    from billing.pdf import BillingDocument, Party

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
# BT-8 in UBL (UNTDID 2005): 3 the invoice's date (option for the débits), 432 the day it is paid.
VAT_DUE_CODES = {einvoice.VAT_DUE_ON_INVOICE_DATE: "3", einvoice.VAT_DUE_ON_PAYMENT: "432"}


def _e(parent, ns: str, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def _money(parent, tag: str, amount: Decimal, currency: str) -> None:
    _e(parent, CBC, tag, f"{Decimal(amount):.2f}", currencyID=currency)


def _tax_category(parent, tag: str, document: "BillingDocument", *, reason: str = "") -> None:
    category = _e(parent, CAC, tag)
    _e(category, CBC, "ID", document.vat_category)
    if document.vat_category != VatCategory.OUTSIDE_SCOPE:  # no rate outside the scope
        _e(category, CBC, "Percent", f"{document.vat_rate:.2f}")
    if reason and document.vat_category in EXEMPTION_CODES:
        _e(category, CBC, "TaxExemptionReasonCode", EXEMPTION_CODES[document.vat_category])
        _e(category, CBC, "TaxExemptionReason", reason)
    _e(_e(category, CAC, "TaxScheme"), CBC, "ID", "VAT")


def _party(parent, tag: str, party: "Party", *, email: str, with_vat_id: bool, tax_number: str = "") -> None:
    node = _e(_e(parent, CAC, tag), CAC, "Party")
    if email:
        _e(node, CBC, "EndpointID", email, schemeID=einvoice.EMAIL_SCHEME)
    if party.number:
        _e(_e(node, CAC, "PartyIdentification"), CBC, "ID", party.number)
    address = _e(node, CAC, "PostalAddress")
    parts = einvoice.address_parts(party.address)
    for key, element in (("LineOne", "StreetName"), ("LineTwo", "AdditionalStreetName")):
        if parts[key]:
            _e(address, CBC, element, parts[key])
    if parts["CityName"]:
        _e(address, CBC, "CityName", parts["CityName"])
    if parts["PostcodeCode"]:
        _e(address, CBC, "PostalZone", parts["PostcodeCode"])
    _e(_e(address, CAC, "Country"), CBC, "IdentificationCode", party.country)
    if party.vat_id and with_vat_id:
        scheme = _e(node, CAC, "PartyTaxScheme")
        _e(scheme, CBC, "CompanyID", party.vat_id)
        _e(_e(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    if tax_number:
        scheme = _e(node, CAC, "PartyTaxScheme")
        _e(scheme, CBC, "CompanyID", tax_number)
        _e(_e(scheme, CAC, "TaxScheme"), CBC, "ID", einvoice.TAX_NUMBER_SCHEME)
    legal = _e(node, CAC, "PartyLegalEntity")
    _e(legal, CBC, "RegistrationName", party.name)
    if siren := einvoice.french_siren(party):
        _e(legal, CBC, "CompanyID", siren, schemeID=einvoice.SIREN_SCHEME)


def ubl_xml(
    document: "BillingDocument", *, notes: list[tuple[str, str]], exemption_reason: str = ""
) -> bytes:
    """The Peppol BIS Billing 3.0 UBL of `document`: an Invoice (380) or a CreditNote (381)."""
    credit = document.is_credit_note
    kind = "CreditNote" if credit else "Invoice"
    root = etree.Element(
        f"{{{CREDIT_NOTE_NS if credit else INVOICE_NS}}}{kind}",
        nsmap={None: CREDIT_NOTE_NS if credit else INVOICE_NS, "cac": CAC, "cbc": CBC},
    )
    currency = document.currency
    _e(root, CBC, "CustomizationID", CUSTOMIZATION)
    _e(root, CBC, "ProfileID", einvoice.BUSINESS_PROCESS)
    _e(root, CBC, "ID", document.number)
    _e(root, CBC, "IssueDate", document.issued_on.isoformat())
    if document.due_on and not credit:
        _e(root, CBC, "DueDate", document.due_on.isoformat())
    _e(root, CBC, f"{kind}TypeCode", document.type_code)
    for subject_code, content in notes:
        _e(root, CBC, "Note", f"#{subject_code}#{content}")  # BT-21 and BT-22, as Peppol writes them
    _e(root, CBC, "DocumentCurrencyCode", currency)
    if (due := einvoice.vat_due_code(document)) is not None:
        _e(_e(root, CAC, "InvoicePeriod"), CBC, "DescriptionCode", VAT_DUE_CODES[due])
    if document.cancels_issued_on is not None:  # a cancellation cites its invoice; an SLA credit none
        cited = _e(_e(root, CAC, "BillingReference"), CAC, "InvoiceDocumentReference")
        _e(cited, CBC, "ID", document.cancels_number)
        _e(cited, CBC, "IssueDate", document.cancels_issued_on.isoformat())
    with_vat_ids = document.vat_category != VatCategory.OUTSIDE_SCOPE
    _party(
        root,
        "AccountingSupplierParty",
        document.seller,
        email=document.seller.email,
        with_vat_id=with_vat_ids,
        tax_number=document.seller.company_id if document.seller.country != "FR" else "",
    )
    _party(
        root, "AccountingCustomerParty", document.buyer, email=document.buyer.email, with_vat_id=with_vat_ids
    )
    _e(_e(root, CAC, "Delivery"), CBC, "ActualDeliveryDate", document.service_date.isoformat())
    if not credit and document.seller.iban:
        means = _e(root, CAC, "PaymentMeans")
        _e(means, CBC, "PaymentMeansCode", einvoice.PAYMENT_SEPA_CREDIT_TRANSFER)
        _e(means, CBC, "PaymentID", document.number)
        account = _e(means, CAC, "PayeeFinancialAccount")
        _e(account, CBC, "ID", document.seller.iban.replace(" ", ""))
        if document.seller.bic:
            _e(_e(account, CAC, "FinancialInstitutionBranch"), CBC, "ID", document.seller.bic)

    tax_total = _e(root, CAC, "TaxTotal")
    _money(tax_total, "TaxAmount", document.vat, currency)
    subtotal = _e(tax_total, CAC, "TaxSubtotal")
    _money(subtotal, "TaxableAmount", document.net, currency)
    _money(subtotal, "TaxAmount", document.vat, currency)
    _tax_category(subtotal, "TaxCategory", document, reason=exemption_reason)

    totals = _e(root, CAC, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", sum((line.net for line in document.lines), Decimal("0")), currency)
    _money(totals, "TaxExclusiveAmount", document.net, currency)
    _money(totals, "TaxInclusiveAmount", document.gross, currency)
    _money(totals, "PayableAmount", document.gross, currency)

    for position, line in enumerate(document.lines, start=1):
        item_line = _e(root, CAC, f"{kind}Line")
        _e(item_line, CBC, "ID", str(position))
        quantity_tag = "CreditedQuantity" if credit else "InvoicedQuantity"
        _e(item_line, CBC, quantity_tag, f"{line.quantity:.2f}", unitCode=einvoice.UNIT_ONE)
        _money(item_line, "LineExtensionAmount", line.net, currency)
        item = _e(item_line, CAC, "Item")
        _e(item, CBC, "Name", line.description)
        _tax_category(item, "ClassifiedTaxCategory", document)
        _money(_e(item_line, CAC, "Price"), "PriceAmount", line.unit_price, currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
