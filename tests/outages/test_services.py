from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.models import Service
from billing.models import Invoice
from billing.pricing import PROVIDER_INCIDENT, diagnosis_fee_for
from billing.tax import buyer_of
from outages import services
from outages.models import ProviderIncident
from tests.factories import ServiceFactory
from tests.outages.helpers import TEXTS, draft, published
from tests.workflow import conclude, open_incident, start
from tickets.fees import FeeRule, Outcome, outcome_costs
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_an_incident_goes_from_draft_to_published_to_resolved(agent):
    incident = draft(agent)
    assert incident.status == ProviderIncident.State.DRAFT
    services.incident_publish(incident=incident, by=agent)
    incident.refresh_from_db()
    assert incident.status == ProviderIncident.State.PUBLISHED and incident.published_at
    services.incident_resolve(incident=incident, by=agent)
    incident.refresh_from_db()
    assert incident.status == ProviderIncident.State.RESOLVED
    assert incident.ends_at is not None and incident.ends_at <= timezone.now()


def test_a_published_incident_cannot_be_published_again_nor_edited(agent):
    incident = published(agent)
    with pytest.raises(TransitionNotAllowed):
        services.incident_publish(incident=incident, by=agent)
    with pytest.raises(TransitionNotAllowed):
        services.incident_update(
            incident=incident, by=agent, starts_at=incident.starts_at, service_kinds=["vps"], **TEXTS
        )


def test_a_draft_cannot_be_resolved(agent):
    with pytest.raises(TransitionNotAllowed):
        services.incident_resolve(incident=draft(agent), by=agent)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title_fr": " "}, "title_fr"),
        ({"service_kinds": []}, "service_kinds"),
        ({"service_kinds": ["toaster"]}, "service_kinds"),
        ({"service_ids": [987654321]}, "services"),
        ({"ends_at": timezone.now() - timedelta(days=3)}, "ends_at"),
        ({"starts_at": timezone.now().replace(year=738)}, "starts_at"),
        ({"ends_at": timezone.now() + timedelta(days=400)}, "ends_at"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(agent, overrides, field):
    with pytest.raises(ValidationError) as error:
        draft(agent, **overrides)
    assert field in error.value.message_dict
    assert not ProviderIncident.objects.exists()


def test_a_ticket_on_an_affected_service_is_free_and_records_the_incident(customer, agent, service):
    incident = published(agent)
    ticket = open_incident(customer, service=service.pk)
    assert ticket["diagnosis_fee"]["free"] is True
    assert ticket["diagnosis_fee"]["free_reason"] == PROVIDER_INCIDENT
    assert ticket["provider_incident"] == incident.pk


def test_a_service_named_alone_is_affected_and_others_are_not(customer, agent, customer_account):
    named = ServiceFactory(customer=customer_account, kind=Service.Kind.VPS)
    other = ServiceFactory(customer=customer_account, kind=Service.Kind.VPS)
    incident = published(agent, service_kinds=[], service_ids=[named.pk])
    buyer = buyer_of(customer_account)
    assert diagnosis_fee_for(buyer=buyer, service=named).provider_incident == incident.pk
    assert diagnosis_fee_for(buyer=buyer, service=other).free is False


def test_a_draft_a_resolved_or_a_future_incident_waives_nothing(customer, agent, service):
    draft(agent)
    published(agent, starts_at=timezone.now() + timedelta(hours=2))
    services.incident_resolve(incident=published(agent), by=agent)
    ticket = open_incident(customer, service=service.pk)
    assert ticket["diagnosis_fee"]["free"] is False
    assert ticket["provider_incident"] is None


def test_a_ticket_without_a_service_pays_the_fee(customer, agent):
    published(agent)
    assert open_incident(customer)["diagnosis_fee"]["free"] is False


def test_staff_link_open_tickets_all_or_none(customer, agent, service):
    incident = published(agent)
    paid = open_incident(customer)["id"]
    question = Ticket.objects.create(
        customer_id=customer.customer_id,
        opened_by=customer,
        kind=Ticket.Kind.TECHNICAL,
        subject="q",
        description="q",
    )
    with pytest.raises(ValidationError):
        services.incident_link_tickets(incident=incident, ticket_ids=[paid, question.pk], by=agent)
    assert not Ticket.objects.filter(provider_incident=incident).exists()
    assert services.incident_link_tickets(incident=incident, ticket_ids=[paid], by=agent) == [paid]
    assert TicketEvent.objects.filter(ticket_id=paid, verb=TicketEvent.Verb.INCIDENT_LINKED).exists()


def test_a_draft_links_no_ticket(customer, agent):
    with pytest.raises(TransitionNotAllowed):
        services.incident_link_tickets(
            incident=draft(agent), ticket_ids=[open_incident(customer)["id"]], by=agent
        )


def test_concluding_the_linked_tickets_resolves_them_and_bills_nothing(customer, agent, service):
    incident = published(agent)
    free = open_incident(customer, service=service.pk)["id"]
    paid = open_incident(customer)["id"]
    start(agent, paid)
    services.incident_link_tickets(incident=incident, ticket_ids=[paid], by=agent)
    result = services.incident_conclude_linked(incident=incident, findings="Our network.", by=agent)
    assert sorted(result.concluded) == sorted([free, paid]) and not result.failed
    assert set(Ticket.objects.filter(pk__in=[free, paid]).values_list("status", flat=True)) == {"resolved"}
    assert not Invoice.objects.exists()
    again = services.incident_conclude_linked(incident=incident, findings="Our network.", by=agent)
    assert again.concluded == [] and again.failed == {}


def test_a_linked_ticket_that_cannot_be_concluded_is_reported_and_the_others_go_on(
    customer, agent, service, monkeypatch
):
    incident = published(agent)
    first = open_incident(customer, service=service.pk)["id"]
    second = open_incident(customer, service=service.pk)["id"]
    conclude = services.diagnosis_conclude

    def concluded_meanwhile(*, ticket, **kwargs):  # as if someone concluded it a moment before
        if ticket.pk == first:
            raise TransitionNotAllowed("Can't switch from state 'resolved'")
        return conclude(ticket=ticket, **kwargs)

    monkeypatch.setattr(services, "diagnosis_conclude", concluded_meanwhile)
    result = services.incident_conclude_linked(incident=incident, findings="Our network.", by=agent)
    assert result.concluded == [second]
    assert list(result.failed) == [first]
    assert Ticket.objects.get(pk=first).status == Ticket.State.OPEN  # its savepoint rolled the start back


def test_bulk_conclusion_needs_findings(agent):
    with pytest.raises(ValidationError):
        services.incident_conclude_linked(incident=published(agent), findings=" ", by=agent)


def test_a_free_ticket_fixed_by_the_diagnosis_is_not_billed_and_says_why(customer, agent, service):
    published(agent)
    ticket = open_incident(customer, service=service.pk)["id"]
    start(agent, ticket)
    concluded = conclude(agent, ticket, "fixed")
    assert concluded["diagnosis"]["fee_rule"] == FeeRule.WAIVED_PROVIDER_INCIDENT
    assert concluded["invoices"] == [] and not Invoice.objects.exists()


def test_the_outcome_table_shown_before_the_order_names_the_incident():
    costs = outcome_costs(fee_free=True, fee_free_reason=PROVIDER_INCIDENT)
    assert {cost.rule for cost in costs if cost.outcome == Outcome.FIXED} == {
        FeeRule.WAIVED_PROVIDER_INCIDENT
    }
