"""The authentication backend loads a customer's account with the user, and refuses inactive users."""

import pytest

from accounts.backends import AccountBackend
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_account_comes_with_the_user(django_assert_num_queries):
    customer = UserFactory()
    with django_assert_num_queries(1):
        user = AccountBackend().get_user(customer.pk)
        assert user.customer.name == customer.customer.name


def test_an_inactive_user_or_an_unknown_id_is_nobody():
    inactive = UserFactory(is_active=False)
    assert AccountBackend().get_user(inactive.pk) is None
    assert AccountBackend().get_user(10**9) is None


def test_logging_in_still_checks_the_password_and_the_session_then_finds_the_user(client):
    user = UserFactory()
    assert client.post("/login/", {"username": user.email, "password": PASSWORD + "x"}).status_code == 200
    assert client.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/customer/").status_code == 200
