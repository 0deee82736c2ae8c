"""The European Commission's EN 16931 business rules (Schematron compiled to XSLT), run over our XML.

The XSLT files in tests/en16931/ are those of ../shared/validators/en16931 (ConnectingEurope
eInvoicing-EN16931, EUPL 1.2, commit in SOURCE), kept beside the tests so that a clean clone runs them.
"""

from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

RULES = Path(__file__).resolve().parent / "en16931"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@cache
def _rules(syntax: str):
    stylesheet = RULES / f"EN16931-{syntax}-validation.xslt"
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))


def fatal_failures(xml: bytes) -> list[str]:
    """The rules an e-invoice (CII or UBL) breaks with flag "fatal", as "RULE-ID: text"; [] when it passes."""
    root = etree.fromstring(xml)
    syntax = "UBL" if "oasis" in (root.nsmap.get(None) or "") + root.tag else "CII"
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(_rules(syntax).transform_to_string(xdm_node=document).encode())
    return [
        f"{failure.get('id')}: {' '.join((failure.findtext('svrl:text', namespaces=SVRL) or '').split())}"
        for failure in report.findall(".//svrl:failed-assert", SVRL)
        if failure.get("flag") != "warning"
    ]
