"""The staff list rows built in Python: every value escaped, each column where its header says."""

import pytest
from django.utils import translation

from tests.factories import CustomerFactory, UserFactory
from tests.workflow import open_incident
from tickets.models import Ticket
from tickets.presenters import staff_table

pytestmark = pytest.mark.django_db


def test_every_value_is_escaped(customer):
    customer.customer.name = "<b>Evil & Co</b>"
    customer.customer.save()
    open_incident(customer, subject='<script>alert("x")</script>', suspected_provider_fault=True)
    ticket = Ticket.objects.select_related("customer", "assignee").get()
    (row,) = staff_table([ticket]).rows
    assert "<script>" not in row and "<b>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt; (FR)" in row


def test_an_open_incident_can_be_claimed_and_labels_follow_the_language(customer):
    open_incident(customer)
    ticket = Ticket.objects.select_related("customer", "assignee").get()
    with translation.override("de"):
        (row,) = staff_table([ticket]).rows
    assert f'formaction="/staff/tickets/{ticket.pk}/claim/"' in row
    assert "Übernehmen" in row and 'data-label="Betreff"' in row and "Offen" in row


def test_an_unclaimed_question_has_a_claim_button_and_a_claimed_ticket_has_none(customer, agent):
    account = CustomerFactory(country="DE")
    asker = UserFactory(customer=account)
    question = Ticket.objects.create(
        customer=account, opened_by=asker, kind=Ticket.Kind.TECHNICAL, subject="DNS?", description="How?"
    )
    (unclaimed,) = staff_table(
        [Ticket.objects.select_related("customer", "assignee").get(pk=question.pk)]
    ).rows
    assert f'formaction="/staff/tickets/{question.pk}/claim/"' in unclaimed
    Ticket.objects.filter(pk=question.pk).update(assignee=agent)
    (claimed,) = staff_table([Ticket.objects.select_related("customer", "assignee").get(pk=question.pk)]).rows
    assert "claim" not in claimed and agent.email in claimed


def test_the_queue_shows_when_a_contact_is_owed(customer):
    open_incident(customer)
    ticket = Ticket.objects.select_related("customer", "assignee").get()
    (quiet,) = staff_table([ticket]).rows
    ticket.contact_pending = True  # as every staff list annotates it (the flag consent registers)
    with translation.override("fr"):
        (owed,) = staff_table([ticket]).rows
    assert "contact" not in quiet and "contact dû au client" in owed
