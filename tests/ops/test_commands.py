"""The operations commands: the deadline sweep run by hand, and the demo data of `make run`."""

import io

import pytest
import time_machine
from django.core.management import call_command

from accounts import mfa
from accounts.models import Customer, User
from ops.management.commands.seed_demo import CUSTOMERS, STAFF
from tests.billing.test_deadlines import days_after

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("celery_eager")
def test_the_command_runs_the_same_sweeps_and_a_rerun_does_nothing(invoice):
    with time_machine.travel(days_after(invoice, 31), tick=False):
        out = io.StringIO()
        call_command("enforce_deadlines", stdout=out)
        assert "invoices_lapse_overdue: 1" in out.getvalue()
        assert "bans_apply_pending: 1" in out.getvalue()
        again = io.StringIO()
        call_command("enforce_deadlines", stdout=again)
    assert {line.split(": ")[1] for line in again.getvalue().splitlines()} == {"0"}
    assert Customer.objects.get(pk=invoice.customer_id).is_banned


def test_seed_demo_creates_the_demo_accounts_and_logins_and_a_rerun_adds_nothing():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = sum(len(spec["users"]) for spec in CUSTOMERS) + len(STAFF)
    assert (Customer.objects.count(), User.objects.count()) == (len(CUSTOMERS), users)
    assert "admin@incident-desk.example" in out.getvalue()
    call_command("seed_demo", stdout=io.StringIO())
    assert (Customer.objects.count(), User.objects.count()) == (len(CUSTOMERS), users)


def test_seed_demo_seeds_no_second_factor_the_staff_enrol_their_own():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert not any(mfa.has_second_factor(user) for user in User.objects.all())
    assert "/account/security/" in out.getvalue()
