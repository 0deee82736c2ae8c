"""The diagnosis report of a ticket: gathered from the ticket, its diagnosis and its interventions.

Not a legal document and not stored: it is rendered at each request, so it always lists every
intervention made so far (staff may still intervene while the quoted work is done).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.selectors import billing_entity_for_country
from billing.documents import party_of, seller_of
from consent.models import DataAction, Intervention
from diagnostics.models import Diagnosis
from diagnostics.pdf import Consent, DiagnosisReport, InterventionEntry, diagnosis_report_pdf
from documents.api import pdf_response
from quotes.pdf import quote_number
from tickets.fees import FeeRule, Outcome
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


def _person(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


def report_interventions(ticket: Ticket) -> tuple[InterventionEntry, ...]:
    """Every intervention on the customer's data, oldest first, with the grant it relied on."""
    interventions = (
        Intervention.objects.filter(ticket=ticket)
        .select_related("agent", "consent__decided_by")
        .order_by("performed_at", "id")
    )
    entries = []
    for intervention in interventions:
        grant = intervention.consent
        consent = None
        if grant is not None:
            consent = Consent(
                request_id=grant.pk,
                scope=grant.scope,
                granted_at=grant.decided_at,
                expires_at=grant.expires_at,
                granted_by=_person(grant.decided_by),
            )
        entries.append(
            InterventionEntry(
                performed_at=intervention.performed_at,
                action=intervention.action,
                description=intervention.description,
                agent=_person(intervention.agent),
                consent=consent,
            )
        )
    return tuple(entries)


def diagnosis_report(*, ticket: Ticket) -> DiagnosisReport:
    """The report's data; Diagnosis.DoesNotExist while the diagnosis is not concluded."""
    diagnosis = Diagnosis.objects.select_related("agent").get(ticket=ticket)
    customer = ticket.customer
    entity = billing_entity_for_country(country=customer.country)
    assert entity is not None  # a customer account exists only where an entity bills it
    quote = getattr(ticket, "quote", None)
    return DiagnosisReport(
        ticket_id=ticket.pk,
        subject=ticket.subject,
        service=ticket.service.name if ticket.service is not None else "",
        language=customer.language,
        seller=seller_of(entity),
        customer=party_of(customer),
        opened_at=ticket.created_at,
        concluded_at=diagnosis.concluded_at,
        agent=_person(diagnosis.agent),
        findings=diagnosis.findings,
        outcome=diagnosis.outcome,
        fee_rule=diagnosis.fee_rule,
        fee_charged=diagnosis.fee_charged,
        currency=ticket.fee_currency or entity.currency,
        fee_net=ticket.fee_net,
        fee_gross=ticket.fee_gross,
        generated_at=timezone.now(),
        quote_number=quote_number(quote) if quote is not None else "",
        quote_gross=quote.gross if quote is not None else None,
        interventions=report_interventions(ticket),
    )


def diagnosis_report_bytes(*, ticket: Ticket) -> bytes:
    """The report's PDF. The models' own labels are the fallback for a code the report has no words for."""
    labels = {**dict(Outcome.choices), **dict(FeeRule.choices), **dict(DataAction.choices)}
    return diagnosis_report_pdf(
        diagnosis_report(ticket=ticket), labels={k: str(v) for k, v in labels.items()}
    )


def diagnosis_report_download(*, user, pk: int, missing: type[Exception]) -> HttpResponse:
    """The report of a ticket the user may see, as a download; `missing` is raised before a conclusion."""
    ticket = get_object_or_404(
        tickets_visible_to(user=user).select_related("customer", "service", "quote"), pk=pk
    )
    try:
        content = diagnosis_report_bytes(ticket=ticket)
    except Diagnosis.DoesNotExist:
        raise missing("This ticket has no concluded diagnosis yet.") from None
    return pdf_response(content, filename=f"diagnosis-{ticket.pk}")
