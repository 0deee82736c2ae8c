"""The one rule of an SLA credit (credits.rules): hours × rate, capped, of the monthly price, rounded once."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.money import to_cents
from credits.rules import SlaCreditTerms, sla_credit_for

TERMS = SlaCreditTerms(percent_per_hour=Decimal("5"), cap_percent=Decimal("50"))


@pytest.mark.parametrize(
    ("price", "hours", "percent", "amount"),
    [
        ("100.00", "1", "5", "5.00"),
        ("100.00", "3.5", "17.5", "17.50"),
        ("100.00", "10", "50", "50.00"),  # exactly at the cap
        ("100.00", "240", "50", "50.00"),  # far past it: capped
        ("29.99", "1", "5", "1.50"),  # 1.4995 rounded once, half-up
        ("33.33", "0.25", "1.25", "0.42"),  # 0.416625: the cent once, never the percent
        ("0.00", "5", "25", "0.00"),
    ],
)
def test_the_credit_is_the_rate_per_hour_of_the_monthly_price_capped_and_rounded_once(
    price, hours, percent, amount
):
    credit = sla_credit_for(monthly_price=Decimal(price), hours=Decimal(hours), terms=TERMS)

    assert credit.percent == Decimal(percent)
    assert credit.amount == Decimal(amount)


def test_the_rates_come_from_the_settings(settings):
    settings.SLA_CREDIT_PERCENT_PER_HOUR = Decimal("2.5")
    settings.SLA_CREDIT_CAP_PERCENT = Decimal("30")

    terms = SlaCreditTerms.from_settings()

    assert sla_credit_for(monthly_price=Decimal("200.00"), hours=Decimal("4"), terms=terms).amount == Decimal(
        "20.00"
    )
    assert sla_credit_for(
        monthly_price=Decimal("200.00"), hours=Decimal("40"), terms=terms
    ).amount == Decimal("60.00")


prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100000.00"), places=2)
hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("744"), places=2)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


@given(price=prices, hours=hours, rate=rates, cap=rates)
def test_the_credit_is_in_cents_never_more_than_the_cap_and_grows_with_the_hours(price, hours, rate, cap):
    terms = SlaCreditTerms(percent_per_hour=rate, cap_percent=cap)

    credit = sla_credit_for(monthly_price=price, hours=hours, terms=terms)
    more = sla_credit_for(monthly_price=price, hours=hours + 1, terms=terms)

    assert credit.amount == to_cents(credit.amount)  # cents
    assert credit.amount == to_cents(price * credit.percent / 100)  # rounded once, from the exact percent
    assert credit.percent <= cap and credit.amount <= to_cents(price * cap / 100)
    assert Decimal(0) <= credit.amount <= more.amount
