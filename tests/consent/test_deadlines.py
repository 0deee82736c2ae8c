"""The consent sweeps run with every other deadline: `manage.py enforce_deadlines` and the hourly task."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from consent.models import AccessRequest, AuditEntry
from tests.consent.drive import granted
from tests.workflow import open_incident

pytestmark = pytest.mark.django_db


def test_enforce_deadlines_expires_grants_and_a_second_run_changes_nothing(customer, agent):
    ticket = open_incident(customer)
    start_at = timezone.now()
    with time_machine.travel(start_at, tick=False):
        grant = granted(customer, agent, ticket["id"], hours=1)
    with time_machine.travel(start_at + timedelta(hours=1), tick=False):
        call_command("enforce_deadlines", stdout=io.StringIO())
        call_command("enforce_deadlines", stdout=io.StringIO())
    assert AccessRequest.objects.get(pk=grant["id"]).status == "expired"
    assert AuditEntry.objects.filter(event="access_expired").count() == 1
