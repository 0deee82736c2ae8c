"""`get_FOO_display()` from the cached label maps: the same answers as Django's, in every language."""

from django.utils import translation

from accounts.models import Customer
from tickets.models import Ticket


def test_the_label_follows_the_active_language():
    ticket = Ticket(kind=Ticket.Kind.INCIDENT, status=Ticket.State.DIAGNOSING)
    with translation.override("fr"):
        assert ticket.get_status_display() == "Diagnostic en cours"
    with translation.override("de"):
        assert ticket.get_status_display() == "In Diagnose"
    with translation.override("en"):
        assert ticket.get_status_display() == "Diagnosing"
        assert ticket.get_kind_display() == "Incident (paid diagnosis)"


def test_a_value_outside_the_choices_shows_as_it_is():
    ticket = Ticket(status="archived")
    assert ticket.get_status_display() == "archived"


def test_a_blank_value_of_an_optional_choice_shows_as_blank():
    assert Customer(ban_reason="").get_ban_reason_display() == ""
