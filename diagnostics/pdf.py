"""The diagnosis report for the customer as a PDF: data in, bytes out.

What was found, what came of it, what it costs and by which rule, and every intervention on the
customer's data with the consent (or the emergency) that allowed it (PRIV-03).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from billing.pdf import Party, Seller
from config.formatting import format_datetime, format_money
from documents.pdf_engine import html_to_pdf


@dataclass(frozen=True)
class Consent:
    """The grant an intervention relied on; None on the intervention for an emergency action."""

    request_id: int
    scope: str
    granted_at: datetime | None
    expires_at: datetime | None
    granted_by: str


@dataclass(frozen=True)
class InterventionEntry:
    performed_at: datetime
    action: str
    description: str
    agent: str
    consent: Consent | None


@dataclass(frozen=True)
class DiagnosisReport:
    ticket_id: int
    subject: str
    service: str
    language: str
    seller: Seller
    customer: Party
    opened_at: datetime
    concluded_at: datetime
    agent: str
    findings: str
    outcome: str
    fee_rule: str
    fee_charged: bool
    currency: str
    fee_net: Decimal | None
    fee_gross: Decimal | None
    generated_at: datetime
    quote_number: str = ""
    quote_gross: Decimal | None = None
    interventions: tuple[InterventionEntry, ...] = ()


class Texts(TypedDict):
    """The words of the report in one language: every language has every one; the tables map codes."""

    title: str
    ticket: str
    generated: str
    customer: str
    provider: str
    subject: str
    service: str
    opened: str
    concluded: str
    agent: str
    findings: str
    outcome: str
    fee: str
    fee_charged: str
    fee_waived: str
    fee_rule: str
    quote: str
    quote_line: str
    interventions: str
    no_interventions: str
    when: str
    action: str
    by: str
    basis: str
    consent: str
    emergency: str
    page: str
    company_id: str
    footer_vat: str
    outcomes: dict[str, str]
    fee_rules: dict[str, str]
    actions: dict[str, str]


# The customer reads outcomes, fee rules and actions in the entity's language. The codes are those
# of tickets.fees.Outcome / FeeRule and consent.models.DataAction; an unknown code prints as is.
TEXTS: dict[str, Texts] = {
    "fr": {
        "title": "Rapport de diagnostic",
        "ticket": "Ticket",
        "generated": "Établi le",
        "customer": "Client",
        "provider": "Prestataire",
        "subject": "Objet",
        "service": "Service",
        "opened": "Ouvert le",
        "concluded": "Diagnostic conclu le",
        "agent": "Technicien",
        "findings": "Constats",
        "outcome": "Résultat",
        "fee": "Frais de diagnostic",
        "fee_charged": "Dus : {net} HT ({gross} TTC)",
        "fee_waived": "Non facturés",
        "fee_rule": "Règle appliquée",
        "quote": "Devis",
        "quote_line": "Devis {number} : {gross} TTC",
        "interventions": "Interventions sur vos données",
        "no_interventions": "Aucune intervention sur vos données ou vos services n'a eu lieu.",
        "when": "Date",
        "action": "Action",
        "by": "Par",
        "basis": "Fondement",
        "consent": "Votre accord n° {id} ({scope}), donné le {granted} par {who}, valable jusqu'au {expires}",
        "emergency": "Action d'urgence ne nécessitant pas d'accord préalable ; vous en avez été informé "
        "immédiatement",
        "page": "Page",
        "company_id": "SIREN",
        "footer_vat": "TVA",
        "outcomes": {
            "fixed": "Corrigé pendant le diagnostic",
            "provider_fault": "Défaut de notre part, corrigé au titre de la garantie de service",
            "quoted": "Non corrigé ; un devis pour la correction vous est proposé",
            "no_quote": "Non corrigé ; aucun devis proposé",
            "no_competence": "Non corrigé ; hors de notre domaine de compétence",
        },
        "fee_rules": {
            "charged_fixed": "Corrigé pendant le diagnostic : les frais sont dus",
            "charged_quoted": "Non corrigé, devis proposé : les frais sont dus",
            "charged_not_provider_fault": "Défaut de notre part suspecté mais non constaté : les frais sont dus",
            "waived_service_guarantee": "Défaut de notre part : gratuit au titre de la garantie de service",
            "waived_no_quote": "Aucun devis proposé : le diagnostic est gratuit",
            "waived_no_competence": "Hors de notre compétence : le diagnostic est gratuit",
            "waived_introductory_period": "Ouvert pendant une période de lancement : gratuit",
        },
        "actions": {
            "read_data": "Lecture de données",
            "modify_data": "Modification de données",
            "suspend_service": "Suspension du service (urgence)",
            "rescue_mode": "Démarrage en mode secours (urgence)",
        },
    },
    "de": {
        "title": "Diagnosebericht",
        "ticket": "Ticket",
        "generated": "Erstellt am",
        "customer": "Kunde",
        "provider": "Anbieter",
        "subject": "Betreff",
        "service": "Dienst",
        "opened": "Eröffnet am",
        "concluded": "Diagnose abgeschlossen am",
        "agent": "Techniker",
        "findings": "Befund",
        "outcome": "Ergebnis",
        "fee": "Diagnosegebühr",
        "fee_charged": "Fällig: {net} netto ({gross} brutto)",
        "fee_waived": "Nicht berechnet",
        "fee_rule": "Angewandte Regel",
        "quote": "Angebot",
        "quote_line": "Angebot {number}: {gross} brutto",
        "interventions": "Eingriffe in Ihre Daten",
        "no_interventions": "Es fanden keine Eingriffe in Ihre Daten oder Dienste statt.",
        "when": "Zeitpunkt",
        "action": "Maßnahme",
        "by": "Durch",
        "basis": "Grundlage",
        "consent": "Ihre Zustimmung Nr. {id} ({scope}), erteilt am {granted} von {who}, gültig bis {expires}",
        "emergency": "Notfallmaßnahme ohne vorherige Zustimmung; Sie wurden sofort informiert",
        "page": "Seite",
        "company_id": "Steuernummer",
        "footer_vat": "USt-IdNr.",
        "outcomes": {
            "fixed": "Während der Diagnose behoben",
            "provider_fault": "Fehler des Anbieters, im Rahmen der Servicegarantie behoben",
            "quoted": "Nicht behoben; ein Angebot für die Behebung liegt bei",
            "no_quote": "Nicht behoben; kein Angebot",
            "no_competence": "Nicht behoben; außerhalb unseres Fachgebiets",
        },
        "fee_rules": {
            "charged_fixed": "Während der Diagnose behoben: Die Gebühr ist fällig",
            "charged_quoted": "Nicht behoben, Angebot erstellt: Die Gebühr ist fällig",
            "charged_not_provider_fault": "Fehler des Anbieters vermutet, aber nicht festgestellt: "
            "Die Gebühr ist fällig",
            "waived_service_guarantee": "Fehler des Anbieters: kostenlos im Rahmen der Servicegarantie",
            "waived_no_quote": "Kein Angebot: Die Diagnose ist kostenlos",
            "waived_no_competence": "Außerhalb unseres Fachgebiets: Die Diagnose ist kostenlos",
            "waived_introductory_period": "In einem Einführungszeitraum eröffnet: kostenlos",
        },
        "actions": {
            "read_data": "Lesen von Daten",
            "modify_data": "Ändern von Daten",
            "suspend_service": "Sperrung des Dienstes (Notfall)",
            "rescue_mode": "Start im Rettungsmodus (Notfall)",
        },
    },
    "en": {
        "title": "Diagnosis report",
        "ticket": "Ticket",
        "generated": "Issued on",
        "customer": "Customer",
        "provider": "Provider",
        "subject": "Subject",
        "service": "Service",
        "opened": "Opened on",
        "concluded": "Diagnosis concluded on",
        "agent": "Engineer",
        "findings": "Findings",
        "outcome": "Outcome",
        "fee": "Diagnosis fee",
        "fee_charged": "Due: {net} net ({gross} incl. VAT)",
        "fee_waived": "Not charged",
        "fee_rule": "Rule applied",
        "quote": "Quote",
        "quote_line": "Quote {number}: {gross} incl. VAT",
        "interventions": "Interventions on your data",
        "no_interventions": "Nobody intervened on your data or services.",
        "when": "When",
        "action": "Action",
        "by": "By",
        "basis": "Basis",
        "consent": "Your consent no. {id} ({scope}), given on {granted} by {who}, valid until {expires}",
        "emergency": "Emergency action that needs no prior consent; you were told at once",
        "page": "Page",
        "company_id": "Company number",
        "footer_vat": "VAT",
        "outcomes": {},
        "fee_rules": {},
        "actions": {},
    },
}


def _label(table: dict, code: str, fallback: dict | None = None) -> str:
    return table.get(code) or (fallback or {}).get(code) or code


def diagnosis_report_pdf(report: DiagnosisReport, *, labels: dict | None = None) -> bytes:
    """The report's PDF. `labels` maps codes to the models' own (English) labels, the last fallback."""
    t = TEXTS.get(report.language, TEXTS["en"])
    lang, country = report.language, report.seller.country
    labels = labels or {}

    def when(moment):
        return format_datetime(moment, country=country, language=lang) if moment else "—"

    interventions = []
    for entry in report.interventions:
        if entry.consent is None:
            basis = t["emergency"]
        else:
            basis = t["consent"].format(
                id=entry.consent.request_id,
                scope=_label(t["actions"], entry.consent.scope, labels),
                granted=when(entry.consent.granted_at),
                who=entry.consent.granted_by,
                expires=when(entry.consent.expires_at),
            )
        interventions.append(
            {
                "when": when(entry.performed_at),
                "action": _label(t["actions"], entry.action, labels),
                "description": entry.description,
                "agent": entry.agent,
                "basis": basis,
            }
        )
    if report.fee_charged and report.fee_net is not None:
        assert report.fee_gross is not None  # a ticket's fee is stored whole, net, VAT and gross
        fee = t["fee_charged"].format(
            net=format_money(report.fee_net, report.currency, language=lang),
            gross=format_money(report.fee_gross, report.currency, language=lang),
        )
    else:
        fee = t["fee_waived"]
    quote = ""
    if report.quote_number:
        assert report.quote_gross is not None  # given with the quote's number
        quote = t["quote_line"].format(
            number=report.quote_number, gross=format_money(report.quote_gross, report.currency, language=lang)
        )
    context = {
        "doc": report,
        "seller": report.seller,
        "t": t,
        "generated": when(report.generated_at),
        "opened": when(report.opened_at),
        "concluded": when(report.concluded_at),
        "outcome": _label(t["outcomes"], report.outcome, labels),
        "fee": fee,
        "fee_rule": _label(t["fee_rules"], report.fee_rule, labels),
        "quote": quote,
        "interventions": interventions,
    }
    return html_to_pdf(template="pdf/diagnostics/report.html", context=context, language=lang)
