"""The outcome table of the contract, written out for every combination of the function's inputs."""

import itertools

import pytest

from tickets.fees import BillingMoment, FeeRule, Outcome, ticket_charge

OC, M, R = Outcome, BillingMoment, FeeRule

# outcome, moment, suspected fault, free period → fee due, bill fee now, bill quote now, rule
TABLE = [
    (OC.FIXED, M.CONCLUDED, False, False, True, True, False, R.CHARGED_FIXED),
    (OC.FIXED, M.CONCLUDED, True, False, True, True, False, R.CHARGED_NOT_PROVIDER_FAULT),
    (OC.FIXED, M.CONCLUDED, False, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.FIXED, M.CONCLUDED, True, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.PROVIDER_FAULT, M.CONCLUDED, False, False, False, False, False, R.WAIVED_SERVICE_GUARANTEE),
    (OC.PROVIDER_FAULT, M.CONCLUDED, True, False, False, False, False, R.WAIVED_SERVICE_GUARANTEE),
    (OC.PROVIDER_FAULT, M.CONCLUDED, False, True, False, False, False, R.WAIVED_SERVICE_GUARANTEE),
    (OC.PROVIDER_FAULT, M.CONCLUDED, True, True, False, False, False, R.WAIVED_SERVICE_GUARANTEE),
    (OC.QUOTED, M.CONCLUDED, False, False, True, False, False, R.CHARGED_QUOTED),
    (OC.QUOTED, M.CONCLUDED, True, False, True, False, False, R.CHARGED_NOT_PROVIDER_FAULT),
    (OC.QUOTED, M.CONCLUDED, False, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.CONCLUDED, True, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.QUOTE_DECLINED, False, False, True, True, False, R.CHARGED_QUOTED),
    (OC.QUOTED, M.QUOTE_DECLINED, True, False, True, True, False, R.CHARGED_NOT_PROVIDER_FAULT),
    (OC.QUOTED, M.QUOTE_DECLINED, False, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.QUOTE_DECLINED, True, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.QUOTE_EXPIRED, False, False, True, True, False, R.CHARGED_QUOTED),
    (OC.QUOTED, M.QUOTE_EXPIRED, True, False, True, True, False, R.CHARGED_NOT_PROVIDER_FAULT),
    (OC.QUOTED, M.QUOTE_EXPIRED, False, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.QUOTE_EXPIRED, True, True, False, False, False, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.WORK_COMPLETED, False, False, True, True, True, R.CHARGED_QUOTED),
    (OC.QUOTED, M.WORK_COMPLETED, True, False, True, True, True, R.CHARGED_NOT_PROVIDER_FAULT),
    (OC.QUOTED, M.WORK_COMPLETED, False, True, False, False, True, R.WAIVED_INTRODUCTORY),
    (OC.QUOTED, M.WORK_COMPLETED, True, True, False, False, True, R.WAIVED_INTRODUCTORY),
    (OC.NO_QUOTE, M.CONCLUDED, False, False, False, False, False, R.WAIVED_NO_QUOTE),
    (OC.NO_QUOTE, M.CONCLUDED, True, False, False, False, False, R.WAIVED_NO_QUOTE),
    (OC.NO_QUOTE, M.CONCLUDED, False, True, False, False, False, R.WAIVED_NO_QUOTE),
    (OC.NO_QUOTE, M.CONCLUDED, True, True, False, False, False, R.WAIVED_NO_QUOTE),
    (OC.NO_COMPETENCE, M.CONCLUDED, False, False, False, False, False, R.WAIVED_NO_COMPETENCE),
    (OC.NO_COMPETENCE, M.CONCLUDED, True, False, False, False, False, R.WAIVED_NO_COMPETENCE),
    (OC.NO_COMPETENCE, M.CONCLUDED, False, True, False, False, False, R.WAIVED_NO_COMPETENCE),
    (OC.NO_COMPETENCE, M.CONCLUDED, True, True, False, False, False, R.WAIVED_NO_COMPETENCE),
]
DEFINED = {(row[0], row[1]) for row in TABLE}
UNDEFINED = [
    (outcome, moment, suspected, free)
    for outcome, moment, suspected, free in itertools.product(OC, M, [False, True], [False, True])
    if (outcome, moment) not in DEFINED
]


@pytest.mark.parametrize(
    ("outcome", "moment", "suspected", "free", "fee_due", "bill_fee", "bill_quote", "rule"), TABLE
)
def test_the_charge_of_each_combination_is_the_contracts(
    outcome, moment, suspected, free, fee_due, bill_fee, bill_quote, rule
):
    charge = ticket_charge(outcome=outcome, moment=moment, suspected_provider_fault=suspected, fee_free=free)
    assert (charge.fee_due, charge.bill_fee_now, charge.bill_quote_now, charge.rule) == (
        fee_due,
        bill_fee,
        bill_quote,
        rule,
    )


def test_the_table_covers_every_combination_of_inputs():
    assert len(TABLE) + len(UNDEFINED) == len(OC) * len(M) * 4
    assert len({row[:4] for row in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("outcome", "moment", "suspected", "free"), UNDEFINED)
def test_a_moment_that_cannot_happen_for_the_outcome_is_an_error(outcome, moment, suspected, free):
    with pytest.raises(ValueError):
        ticket_charge(outcome=outcome, moment=moment, suspected_provider_fault=suspected, fee_free=free)


def test_unknown_outcome_is_an_error():
    with pytest.raises(ValueError):
        ticket_charge(outcome="maybe", moment=M.CONCLUDED, suspected_provider_fault=False, fee_free=False)
