"""A page view does not write the session on every request: the idle expiry is pushed at most once a minute."""

from datetime import timedelta

import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.portals import browser


def session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        q["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"'))
        for q in queries.captured_queries
    )


def test_the_idle_expiry_is_pushed_once_a_minute_not_on_every_page(customer):
    url = reverse("customer:tickets:list")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = browser(customer)
        client.get(url)  # the first page after login pushes it
        expiry = Session.objects.get().expire_date
        assert session_writes(client, url) == 0
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert session_writes(client, url) == 0
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert session_writes(client, url) == 1
        assert Session.objects.get().expire_date == expiry + timedelta(seconds=61)
