"""The one function that decides what an incident costs the customer (contract: the outcome table)."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.pricing import PROVIDER_INCIDENT


class Outcome(models.TextChoices):
    FIXED = "fixed", _("Fixed during the diagnosis")
    PROVIDER_FAULT = "provider_fault", _("Provider's fault, fixed under the service guarantee")
    QUOTED = "quoted", _("Not fixed; a quote for the fix")
    NO_QUOTE = "no_quote", _("Not fixed; no quote offered")
    NO_COMPETENCE = "no_competence", _("Not fixed; beyond our competence")


class BillingMoment(models.TextChoices):
    CONCLUDED = "concluded", _("Diagnosis concluded")
    QUOTE_DECLINED = "quote_declined", _("Quote declined")
    QUOTE_EXPIRED = "quote_expired", _("Quote expired")
    WORK_COMPLETED = "work_completed", _("Work completed")


class FeeRule(models.TextChoices):
    """Why the fee is or is not charged; also the "by reason" of the receivables report."""

    CHARGED_FIXED = "charged_fixed", _("Fixed during the diagnosis: the fee is due")
    CHARGED_QUOTED = "charged_quoted", _("Not fixed, quote given: the fee is due")
    CHARGED_NOT_PROVIDER_FAULT = (
        "charged_not_provider_fault",
        _("Provider fault suspected but not found: the fee is due"),
    )
    WAIVED_SERVICE_GUARANTEE = (
        "waived_service_guarantee",
        _("Provider's fault: free under the service guarantee"),
    )
    WAIVED_NO_QUOTE = "waived_no_quote", _("No quote offered: the diagnosis is free")
    WAIVED_NO_COMPETENCE = "waived_no_competence", _("Beyond our competence: the diagnosis is free")
    WAIVED_INTRODUCTORY = "waived_introductory_period", _("Opened during an introductory period: free")
    WAIVED_PROVIDER_INCIDENT = (
        "waived_provider_incident",
        _("Opened during a known provider incident on the service: free"),
    )


@dataclass(frozen=True)
class Charge:
    fee_due: bool  # the diagnosis costs the fee, whether billed now or later
    bill_fee_now: bool  # put the fee on an invoice at this moment
    bill_quote_now: bool  # put the quote's lines on an invoice at this moment
    rule: FeeRule


_WAIVED_BY_OUTCOME = {
    Outcome.PROVIDER_FAULT: FeeRule.WAIVED_SERVICE_GUARANTEE,
    Outcome.NO_QUOTE: FeeRule.WAIVED_NO_QUOTE,
    Outcome.NO_COMPETENCE: FeeRule.WAIVED_NO_COMPETENCE,
}
_ALLOWED_MOMENTS = {
    Outcome.QUOTED: {
        BillingMoment.CONCLUDED,
        BillingMoment.QUOTE_DECLINED,
        BillingMoment.QUOTE_EXPIRED,
        BillingMoment.WORK_COMPLETED,
    },
}


def ticket_charge(
    *,
    outcome: str,
    moment: str,
    suspected_provider_fault: bool,
    fee_free: bool,
    fee_free_reason: str | None = None,
) -> Charge:
    """What the customer is billed at `moment` for an incident diagnosed with `outcome`.

    The provider's fault is free whether or not the customer suspected it; a customer who suspected
    a provider fault that was not one pays the fee like anyone else. A fee made free by an
    introductory period (or by a known provider incident, `fee_free_reason`) is never billed, but a
    quote's work still is.
    """
    outcome, moment = Outcome(outcome), BillingMoment(moment)
    if moment not in _ALLOWED_MOMENTS.get(outcome, {BillingMoment.CONCLUDED}):
        raise ValueError(f"{outcome} has no billing at {moment}")
    if outcome in _WAIVED_BY_OUTCOME:
        return Charge(
            fee_due=False, bill_fee_now=False, bill_quote_now=False, rule=_WAIVED_BY_OUTCOME[outcome]
        )
    if suspected_provider_fault:
        charged_rule = FeeRule.CHARGED_NOT_PROVIDER_FAULT
    else:
        charged_rule = FeeRule.CHARGED_FIXED if outcome == Outcome.FIXED else FeeRule.CHARGED_QUOTED
    waived = (
        FeeRule.WAIVED_PROVIDER_INCIDENT
        if fee_free_reason == PROVIDER_INCIDENT
        else FeeRule.WAIVED_INTRODUCTORY
    )
    rule = waived if fee_free else charged_rule
    if outcome == Outcome.FIXED:
        bill_fee_now, bill_quote_now = True, False
    elif moment == BillingMoment.CONCLUDED:
        bill_fee_now, bill_quote_now = False, False  # decided when the quote is accepted, declined or expires
    else:
        bill_fee_now, bill_quote_now = True, moment == BillingMoment.WORK_COMPLETED
    return Charge(
        fee_due=not fee_free,
        bill_fee_now=bill_fee_now and not fee_free,
        bill_quote_now=bill_quote_now,
        rule=rule,
    )


@dataclass(frozen=True)
class OutcomeCost:
    """One row of "what each outcome costs", for the pages that show it before anyone commits."""

    outcome: Outcome
    fee_due: bool  # the fee is owed with this outcome (now, or when a quote is decided)
    fee_billed_now: bool  # invoiced the moment the diagnosis is concluded
    quote_follows: bool  # a quote is sent; its work is billed only once accepted and completed
    rule: FeeRule


def outcome_costs(
    *, fee_free: bool, suspected_provider_fault: bool = False, fee_free_reason: str | None = None
) -> list[OutcomeCost]:
    """Every outcome with what the customer is billed for it, read from `ticket_charge` (no rule here)."""
    rows = []
    for outcome in Outcome:
        charge = ticket_charge(
            outcome=outcome,
            moment=BillingMoment.CONCLUDED,
            suspected_provider_fault=suspected_provider_fault,
            fee_free=fee_free,
            fee_free_reason=fee_free_reason,
        )
        rows.append(
            OutcomeCost(
                outcome=outcome,
                fee_due=charge.fee_due,
                fee_billed_now=charge.bill_fee_now,
                quote_follows=outcome == Outcome.QUOTED,
                rule=charge.rule,
            )
        )
    return rows
