from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import DiagnosisPrice, FreePeriod
from tests.workflow import API, FRENCH_FEE, client_for, open_incident

pytestmark = pytest.mark.django_db


def fee(user):
    response = client_for(user).get(f"{API}/pricing/diagnosis-fee/")
    assert response.status_code == 200
    return response.json()


def test_default_fee_is_20_eur_net_with_the_countrys_vat(customer, other_customer):
    assert fee(customer) == {"country": "FR", **FRENCH_FEE}
    assert fee(other_customer)["gross"] == "23.80"


def test_only_customers_ask_for_their_fee(agent):
    assert client_for(agent).get(f"{API}/pricing/diagnosis-fee/").status_code == 403


def test_new_price_applies_to_tickets_opened_afterwards_only(customer, admin_user):
    before = open_incident(customer)
    response = client_for(admin_user).put(
        f"{API}/pricing/diagnosis-fees/FR/", {"net": "25.50"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["net"] == "25.50"
    assert fee(customer)["net"] == "25.50"
    after = open_incident(customer)
    assert (
        client_for(customer).get(f"{API}/tickets/{before['id']}/").json()["diagnosis_fee"]["net"] == "20.00"
    )
    assert after["diagnosis_fee"]["net"] == "25.50"
    assert after["diagnosis_fee"]["gross"] == "30.60"


def test_the_shown_fee_is_the_fee_stored_on_a_ticket_opened_then(customer):
    shown = fee(customer)
    ticket = open_incident(customer)
    assert {k: v for k, v in shown.items() if k != "country"} == ticket["diagnosis_fee"]


@pytest.mark.parametrize(
    ("country", "payload"),
    [
        ("XX", {"net": "10"}),
        ("FR", {"net": "-1"}),
        ("FR", {"net": "1.234"}),
        ("FR", {"net": "abc"}),
        ("FR", {}),
        ("FR", {"net": "1e9"}),
        ("X" * 300, {"net": "10"}),
    ],
)
def test_bad_price_is_a_400(admin_user, country, payload):
    response = client_for(admin_user).put(f"{API}/pricing/diagnosis-fees/{country}/", payload, format="json")
    assert response.status_code == 400
    assert not DiagnosisPrice.objects.exists()


@pytest.mark.parametrize("role", ["agent", "finance", "customer"])
def test_only_admin_sets_prices(request, role):
    response = client_for(request.getfixturevalue(role)).put(
        f"{API}/pricing/diagnosis-fees/FR/", {"net": "1"}, format="json"
    )
    assert response.status_code == 403


def test_free_period_makes_incidents_opened_inside_it_free_both_ends_included(
    customer, other_customer, admin_user
):
    today = timezone.localdate()
    response = client_for(admin_user).post(
        f"{API}/pricing/free-periods/",
        {
            "starts_on": str(today + timedelta(days=1)),
            "ends_on": str(today + timedelta(days=3)),
            "countries": ["fr"],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["countries"] == ["FR"]
    assert fee(customer)["free"] is False
    for offset in (1, 3):
        with time_machine.travel(timezone.now() + timedelta(days=offset)):
            shown = fee(customer)
            assert (shown["free"], shown["free_reason"]) == (True, "introductory_period")
            assert open_incident(customer)["diagnosis_fee"]["free"] is True
            assert fee(other_customer)["free"] is False
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert fee(customer)["free"] is False


def test_free_period_without_countries_covers_all(customer, other_customer, admin_user):
    today = str(timezone.localdate())
    client_for(admin_user).post(
        f"{API}/pricing/free-periods/", {"starts_on": today, "ends_on": today}, format="json"
    )
    assert fee(customer)["free"] and fee(other_customer)["free"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_on": "2026-12-10", "ends_on": "2026-12-01"}, "ends_on"),
        ({"starts_on": "2026-02-30", "ends_on": "2026-03-01"}, "starts_on"),
        ({"starts_on": "yesterday", "ends_on": "2026-03-01"}, "starts_on"),
        ({"starts_on": "2026-12-01", "ends_on": "2026-12-02", "countries": ["XX"]}, "countries"),
        ({"starts_on": "2026-12-01", "ends_on": "2026-12-02", "countries": "FR"}, "countries"),
        ({"starts_on": "2026-12-01", "ends_on": "99999-12-02"}, "ends_on"),
    ],
)
def test_bad_free_period_is_a_400(admin_user, payload, field):
    response = client_for(admin_user).post(f"{API}/pricing/free-periods/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not FreePeriod.objects.exists()


def test_the_fee_is_read_in_three_queries_whatever_the_price_history(
    customer, admin_user, django_assert_num_queries
):
    from billing.pricing import diagnosis_fee_for
    from billing.tax import buyer_of

    country = customer.customer.country
    for net in ("25.00", "30.00"):
        response = client_for(admin_user).put(
            f"{API}/pricing/diagnosis-fees/{country}/", {"net": net}, format="json"
        )
        assert response.status_code == 200
    # The entities (which bills this country), the price and VAT rate, then the free periods.
    with django_assert_num_queries(3):
        fee = diagnosis_fee_for(buyer=buyer_of(customer.customer))
    assert fee.net == Decimal("30.00")


def test_a_country_without_a_vat_rate_is_refused(customer):
    from billing.models import VatRate
    from billing.pricing import diagnosis_fee_for
    from billing.tax import buyer_of

    VatRate.objects.filter(country=customer.customer.country).delete()
    with pytest.raises(ValidationError):
        diagnosis_fee_for(buyer=buyer_of(customer.customer))
