import pytest

from accounts.models import Customer, Role, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_valid_credentials(api, customer):
    response = api.post(
        "/api/v1/auth/token/", {"email": "CLIENT@example.fr", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.json()["email"] == "client@example.fr"
    assert me.json()["customer"]["support_status"] == "active"


@pytest.mark.parametrize("email", ["client@example.fr", "nobody@example.fr"])
def test_bad_credentials_are_a_400_that_does_not_tell_which_part_was_wrong(api, customer, email):
    response = api.post(
        "/api/v1/auth/token/", {"email": email, "password": "wrong-password-123"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with these credentials."]}


def test_anonymous_request_is_401_with_detail(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_admin_creates_customer_with_valid_vat_number(as_user, admin_user):
    response = as_user(admin_user).post(
        "/api/v1/customers/", {"name": "ACME", "country": "fr", "vat_id": "FR 40 303 265 045"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["country"] == "FR"
    assert body["vat_id"] == "FR40303265045"
    assert body["support_status"] == "active"
    assert body["banned_at"] is None and body["ban_reason"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "ACME", "country": "ZZ"}, "country"),
        ({"name": "ACME", "country": "XX"}, "country"),
        ({"name": "ACME", "country": "FRA"}, "country"),
        ({"name": "ACME", "country": "FR", "vat_id": "FR00000000001"}, "vat_id"),
        ({"name": "ACME", "country": "FR", "vat_id": "DE136695976"}, "vat_id"),
        ({"name": "", "country": "FR"}, "name"),
        ({"name": "x" * 201, "country": "FR"}, "name"),
        ({"name": "A\x00B", "country": "FR"}, "name"),
        ({"country": "FR"}, "name"),
    ],
)
def test_invalid_customer_is_a_400_on_the_field_and_writes_nothing(as_user, admin_user, payload, field):
    response = as_user(admin_user).post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists()


def test_malformed_json_is_a_400(as_user, admin_user):
    response = as_user(admin_user).generic(
        "POST", "/api/v1/customers/", '{"name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize("role", ["customer", "agent", "finance"])
def test_only_admin_creates_customers(as_user, role, customer, agent, finance):
    user = {"customer": customer, "agent": agent, "finance": finance}[role]
    response = as_user(user).post("/api/v1/customers/", {"name": "ACME", "country": "FR"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_customer_sees_own_account_and_gets_404_for_another(as_user, customer, other_customer):
    client = as_user(customer)
    assert client.get(f"/api/v1/customers/{customer.customer_id}/").status_code == 200
    assert client.get(f"/api/v1/customers/{other_customer.customer_id}/").status_code == 404
    assert client.get("/api/v1/customers/").status_code == 403


def test_staff_list_customers_paginated(as_user, agent, customer, other_customer):
    body = as_user(agent).get("/api/v1/customers/").json()
    assert set(body) >= {"next", "previous", "results"}
    assert [c["name"] for c in body["results"]] == ["Other GmbH", "Boulangerie Test"]


def user_create(client, email: str, role: str, **fields):
    """POST a new user with a password long enough to pass."""
    payload = {"email": email, "password": "a-long-enough-passphrase", "role": role, **fields}
    return client.post("/api/v1/users/", payload, format="json")


def test_admin_creates_customer_user(as_user, admin_user, customer_account):
    response = user_create(as_user(admin_user), "new@example.fr", "customer", customer=customer_account.pk)
    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "email": "new@example.fr",
        "role": "customer",
        "customer": customer_account.pk,
    }
    assert User.objects.get(email="new@example.fr").check_password("a-long-enough-passphrase")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "client@example.fr", "password": "a-long-enough-passphrase", "role": "agent"}, "email"),
        ({"email": "CLIENT@EXAMPLE.FR", "password": "a-long-enough-passphrase", "role": "agent"}, "email"),
        ({"email": "x@example.fr", "password": "short", "role": "agent"}, "password"),
        ({"email": "x@example.fr", "password": "password1234", "role": "agent"}, "password"),
        ({"email": "x@example.fr", "password": "a-long-enough-passphrase", "role": "root"}, "role"),
        ({"email": "x@example.fr", "password": "a-long-enough-passphrase", "role": "customer"}, "customer"),
        ({"email": "not-an-email", "password": "a-long-enough-passphrase", "role": "agent"}, "email"),
        (
            {
                "email": "x@example.fr",
                "password": "a-long-enough-passphrase",
                "role": "customer",
                "customer": 999999,
            },
            "customer",
        ),
    ],
)
def test_invalid_user_is_a_400_and_writes_nothing(as_user, admin_user, customer, payload, field):
    before = User.objects.count()
    response = as_user(admin_user).post("/api/v1/users/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == before


def test_staff_user_cannot_belong_to_a_customer_account(as_user, admin_user, customer_account):
    response = user_create(as_user(admin_user), "a@example.com", "agent", customer=customer_account.pk)
    assert response.status_code == 400
    assert "customer" in response.json()


def test_createsuperuser_gives_an_admin_role(db):
    user = User.objects.create_superuser(email="root@example.com", password="x" * 20)
    assert user.role == Role.ADMIN


def test_services_are_scoped_to_the_customer(as_user, admin_user, customer, other_customer):
    admin = as_user(admin_user)
    mine = admin.post(
        "/api/v1/services/", {"customer": customer.customer_id, "name": "srv1", "kind": "vps"}, format="json"
    )
    assert mine.status_code == 201
    admin.post(
        "/api/v1/services/",
        {"customer": other_customer.customer_id, "name": "srv2", "kind": "vps"},
        format="json",
    )
    listed = as_user(customer).get("/api/v1/services/").json()["results"]
    assert [s["name"] for s in listed] == ["srv1"]
    assert as_user(customer).get(f"/api/v1/services/{mine.json()['id'] + 1}/").status_code == 404


def test_schema_and_docs_are_served_to_signed_in_callers(as_user, admin_user, client):
    assert as_user(admin_user).get("/api/v1/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 302  # to the login (tests/security/test_api_docs.py)
    client.force_login(admin_user)
    assert client.get("/api/docs/").status_code == 200
