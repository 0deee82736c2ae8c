"""SEC-11: a session's idle timeout and absolute lifetime count from the login, not from the first request
after it; logout ends the session on the server.

The red team logged in, kept the cookie unused, and found it still valid days later: the clock started at
the first request, and until then the session row carried Django's 14-day default.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_AT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
CUSTOMER_IDLE = timedelta(seconds=settings.SESSION_IDLE_SECONDS_CUSTOMER)
STAFF_IDLE = timedelta(seconds=settings.SESSION_IDLE_SECONDS_STAFF)
ABSOLUTE = timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
SECOND = timedelta(seconds=1)


def logged_in(user) -> Client:
    """A browser that signed in through the login page at LOGIN_AT."""
    client = Client()
    with time_machine.travel(LOGIN_AT, tick=False):
        response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def signed_in(client: Client, page: str, at: datetime) -> bool:
    """Whether the browser is still signed in when it opens `page` at `at`."""
    with time_machine.travel(at, tick=False):
        response = client.get(page)
    if response.status_code == 302:
        assert response.url.startswith(settings.LOGIN_URL), response.url
        return False
    assert response.status_code == 200
    return True


def session_row(client: Client) -> Session | None:
    return Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).first()


CUSTOMER_PAGE = "/customer/"


def test_an_unused_customer_session_expires_two_hours_after_the_login(customer):
    client = logged_in(customer)
    assert session_row(client).expire_date == LOGIN_AT + CUSTOMER_IDLE
    assert not signed_in(client, CUSTOMER_PAGE, LOGIN_AT + CUSTOMER_IDLE + SECOND)


def test_an_unused_staff_session_expires_thirty_minutes_after_the_login(agent):
    client = logged_in(agent)
    assert session_row(client).expire_date == LOGIN_AT + STAFF_IDLE
    assert not signed_in(client, reverse("staff:tickets:queue"), LOGIN_AT + STAFF_IDLE + SECOND)


def test_the_cookie_carries_the_same_expiry_as_the_session(customer):
    client = logged_in(customer)
    assert int(client.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == CUSTOMER_IDLE.total_seconds()


def test_activity_keeps_a_session_alive_and_idleness_ends_it(customer):
    client = logged_in(customer)
    last = LOGIN_AT + timedelta(minutes=90)
    assert signed_in(client, CUSTOMER_PAGE, last)
    assert signed_in(client, CUSTOMER_PAGE, last + CUSTOMER_IDLE - SECOND)
    last += CUSTOMER_IDLE - SECOND
    assert not signed_in(client, CUSTOMER_PAGE, last + CUSTOMER_IDLE + SECOND)


def test_a_busy_session_ends_twelve_hours_after_the_login(customer):
    client = logged_in(customer)
    moment = LOGIN_AT
    while moment + timedelta(hours=1) < LOGIN_AT + ABSOLUTE:
        moment += timedelta(hours=1)
        assert signed_in(client, CUSTOMER_PAGE, moment)
        # The row never outlives the absolute end, even if no request comes to notice it.
        assert session_row(client).expire_date <= LOGIN_AT + ABSOLUTE
    assert not signed_in(client, CUSTOMER_PAGE, LOGIN_AT + ABSOLUTE)


def test_logout_ends_the_session_on_the_server(customer):
    client = logged_in(customer)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    with time_machine.travel(LOGIN_AT + timedelta(minutes=1), tick=False):
        assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert not signed_in(replay, CUSTOMER_PAGE, LOGIN_AT + timedelta(minutes=2))


def test_a_session_without_a_login_time_is_over(customer):
    client = logged_in(customer)
    with time_machine.travel(LOGIN_AT, tick=False):
        session = client.session
        session.pop("session_started_at")
        session.save()
    assert not signed_in(client, CUSTOMER_PAGE, LOGIN_AT + timedelta(minutes=1))


def test_the_login_rotates_the_session_key(customer):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": customer.email, "password": PASSWORD})
    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(customer.pk)
