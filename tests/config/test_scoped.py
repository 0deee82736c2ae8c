"""An API action acts on a row its caller may see, with valid input, or on nothing."""

import pytest
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.models import User
from config.scoped import ScopedActionApi, ScopedApi


class RenameApi(ScopedActionApi):
    """A caller renames itself: the only user it may see is itself."""

    visible_to = staticmethod(lambda *, user: User.objects.filter(pk=user.pk))
    acted: list = []

    class Input(serializers.Serializer):
        full_name = serializers.CharField(max_length=20)

    def act(self, user, /, *, by, **values) -> Response:
        self.acted.append((user, by, values))
        return Response({"id": user.pk})


@pytest.fixture
def acted():
    RenameApi.acted = []
    return RenameApi.acted


def post(user, pk: int, data: dict) -> Response:
    request = APIRequestFactory().post("/", data, format="json")
    force_authenticate(request, user=user)
    return RenameApi.as_view()(request, pk=pk)


def test_the_action_gets_the_row_the_caller_and_the_valid_input(customer, acted):
    response = post(customer, customer.pk, {"full_name": "Anne"})
    assert response.status_code == 200 and response.data == {"id": customer.pk}
    assert acted == [(customer, customer, {"full_name": "Anne"})]


def test_a_row_outside_the_callers_scope_is_a_404_and_nothing_is_done(customer, other_customer, acted):
    response = post(customer, other_customer.pk, {"full_name": "Anne"})
    assert response.status_code == 404 and acted == []


def test_invalid_input_is_a_400_naming_the_field_and_nothing_is_done(customer, acted):
    response = post(customer, customer.pk, {"full_name": "x" * 21})
    assert response.status_code == 400 and "full_name" in response.data and acted == []


class ConfirmApi(ScopedActionApi):
    """An action that takes nothing but the row: no `Input`, so whatever body comes is not read."""

    visible_to = staticmethod(lambda *, user: User.objects.filter(pk=user.pk))

    def act(self, user, /, *, by, **values) -> Response:
        return Response({"id": user.pk, "values": values})


def test_an_action_without_input_gets_the_row_and_nothing_else_whatever_the_body(customer):
    request = APIRequestFactory().post("/", {"full_name": "x" * 21}, format="json")
    force_authenticate(request, user=customer)
    response = ConfirmApi.as_view()(request, pk=customer.pk)
    assert response.status_code == 200 and response.data == {"id": customer.pk, "values": {}}


def test_the_bases_have_no_docstring_for_the_schema_to_show_on_views_without_one():
    assert ScopedApi.__doc__ is None and ScopedActionApi.__doc__ is None
