"""SLA claims assessed: granted (the credit the contract gives, as a credit note of its own kind) or refused.

Each use case locks the account (as opening a ticket and a ban do) and then the claim's ticket, so a ban at
this very moment either comes first and is seen here, or waits; two assessors at once get one success and
one 409 (the ticket is closed by the first).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Customer, Service
from billing.services import sla_credit_issue
from billing.tax import entity_billing
from config.bulk import among
from config.errors import InvalidTransition
from config.formatting import format_datetime, format_money, format_percent, format_quantity
from config.money import to_cents
from credits.models import SlaCredit
from credits.rules import HOURS_MAX, SlaCreditTerms, sla_credit_for
from tickets.models import Ticket
from tickets.services import ticket_close, ticket_lock, tickets_close


@dataclass(frozen=True)
class _Claim:
    customer: Customer
    ticket: Ticket


def _claim_lock(*, ticket: Ticket) -> _Claim:
    """The account, then the claim's ticket, each under its row lock; a claim no longer open is a 409."""
    customer = Customer.objects.select_for_update(no_key=True).get(pk=ticket.customer_id)
    ticket = ticket_lock(ticket=ticket)
    if ticket.kind != Ticket.Kind.SLA_CLAIM:
        raise ValidationError(_("Only an SLA claim is assessed."))
    if ticket.status != Ticket.State.OPEN:
        raise InvalidTransition(_("This SLA claim is no longer open: it was assessed, closed or cancelled."))
    return _Claim(customer=customer, ticket=ticket)


def _record(*, claim: _Claim, answer: str, by, **fields) -> SlaCredit:
    """Close the claim's ticket with `answer` (the customer reads it) and write the assessment."""
    ticket_close(ticket=claim.ticket, answer=answer, by=by)
    return SlaCredit.objects.create(**_assessment(claim.ticket, by=by), **fields)


def _assessment(ticket: Ticket, *, by) -> dict:
    """What every assessment of the claim `ticket` records: whose claim, on which service, by whom, when."""
    return {
        "ticket": ticket,
        "customer_id": ticket.customer_id,
        "service_id": ticket.service_id,
        "assessed_by": by,
        "assessed_at": timezone.now(),
    }


def _refusal_answer(*, language: str, refusal: str, reason: str = "") -> str:
    """What the customer reads of a refusal, in its language: the ban (the contract's words), or the reason."""
    with translation.override(language):
        if refusal == SlaCredit.Refusal.SUPPORT_BANNED:
            return _(
                "Your SLA claim is refused: your account is banned from support, and by the contract a banned "
                "account loses every SLA claim."
            )
        return _("Your SLA claim is refused: %(reason)s") % {"reason": reason}


def _refuse(*, claim: _Claim, by, refusal: str, reason: str = "") -> SlaCredit:
    """Close the claim refused: for the ban, or with the staff's reason."""
    answer = _refusal_answer(language=claim.customer.language, refusal=refusal, reason=reason)
    return _record(
        claim=claim, answer=answer, by=by, status=SlaCredit.Status.REFUSED, refusal=refusal, note=reason
    )


def hours_check(*, hours: Decimal, ticket: Ticket) -> None:
    """Hours of unavailability: positive, to the hundredth, at most a month, and never more than the period
    the customer claimed."""
    if hours <= 0 or hours != to_cents(hours) or hours > HOURS_MAX:
        raise ValidationError(
            {
                "hours": [
                    _("Give the hours of unavailability: more than 0, at most %(max)s, to the hundredth.")
                    % {"max": HOURS_MAX}
                ]
            }
        )
    if ticket.outage_started_at is not None and ticket.outage_ended_at is not None:
        claimed = Decimal((ticket.outage_ended_at - ticket.outage_started_at).total_seconds()) / 3600
        if hours > claimed:
            raise ValidationError(
                {
                    "hours": [
                        _("The customer claimed %(claimed)s hours; confirm no more than that.")
                        % {"claimed": format_quantity(to_cents(claimed))}
                    ]
                }
            )


def _credit_line(*, claim: _Claim, service: Service, hours: Decimal, percent: Decimal) -> str:
    """The credit note's one line, in the current language: what is credited, and by which rule."""
    start, end = claim.ticket.outage_started_at, claim.ticket.outage_ended_at
    country = claim.customer.country
    values = {
        "service": service.name,
        "hours": format_quantity(hours),
        "percent": format_percent(percent),
        "price": format_money(service.monthly_price, entity_billing(country).currency),
    }
    if start is None or end is None:
        return (
            _("SLA credit – %(service)s: %(hours)s h of unavailability, %(percent)s of %(price)s a month")
            % values
        )
    return _(
        "SLA credit – %(service)s: %(hours)s h of unavailability from %(start)s to %(end)s, %(percent)s of "
        "%(price)s a month"
    ) % {
        **values,
        "start": format_datetime(start, country=country),
        "end": format_datetime(end, country=country),
    }


@transaction.atomic
def sla_claim_grant(*, ticket: Ticket, hours: Decimal, by) -> SlaCredit:
    """Grant an SLA claim for `hours` of unavailability of its service: the credit is `credits.rules`' (the
    rates of the settings, the service's monthly price), issued as an SLA credit note whose amount is owed to
    the customer as a refund. A banned account's claim is refused instead, with the ban as its reason."""
    claim = _claim_lock(ticket=ticket)
    if claim.customer.is_banned:
        return _refuse(claim=claim, by=by, refusal=SlaCredit.Refusal.SUPPORT_BANNED)
    service = claim.ticket.service
    if service is None or not service.has_sla:
        raise ValidationError(
            {"service": [_("The claim names no service under a service level agreement: refuse it.")]}
        )
    hours_check(hours=hours, ticket=claim.ticket)
    terms = SlaCreditTerms.from_settings()
    credit = sla_credit_for(monthly_price=service.monthly_price, hours=hours, terms=terms)
    if credit.amount <= 0:
        raise ValidationError({"hours": [_("The service's monthly price gives no credit for these hours.")]})
    customer = claim.customer
    with translation.override(customer.language):
        credit_note = sla_credit_issue(
            customer=customer,
            net=credit.amount,
            description=_credit_line(claim=claim, service=service, hours=hours, percent=credit.percent)[:500],
            service_date=(claim.ticket.outage_ended_at or claim.ticket.created_at).date(),
        )
        answer = _(
            "Your SLA claim is granted: %(hours)s h of unavailability confirmed, a credit of %(gross)s "
            "(credit note %(number)s). The amount is yours: we refund it by bank transfer."
        ) % {
            "hours": format_quantity(hours),
            "gross": format_money(credit_note.gross, credit_note.currency),
            "number": credit_note.number,
        }
    return _record(
        claim=claim,
        answer=answer,
        by=by,
        status=SlaCredit.Status.GRANTED,
        hours=hours,
        # The rates and the credit as credits.rules computed them.
        **asdict(terms),
        **asdict(credit),
        monthly_price=service.monthly_price,
        currency=credit_note.currency,
        credit_note=credit_note,
    )


@transaction.atomic
def sla_claims_refuse_for_bans(*, ticket_ids: Sequence[int]) -> int:
    """The open SLA claims of accounts just banned are refused for the ban (the contract: a banned account
    loses every SLA claim), each closed with the answer that says so; how many. Part of the ban path
    (tickets.signals.sla_claims_forfeited, its receiver in credits.receivers), in the ban's transaction,
    set-based: a chunk of the sweep may hold thousands. A claim an assessor holds right now is waited for,
    then left out if it was assessed meanwhile (the accounts are banned already: no new assessment starts)."""
    claims = list(
        Ticket.objects.filter(among("id", ticket_ids), kind=Ticket.Kind.SLA_CLAIM, status=Ticket.State.OPEN)
        .order_by("id")
        .select_for_update()
    )
    languages = dict(
        Customer.objects.filter(among("id", {claim.customer_id for claim in claims})).values_list(
            "id", "language"
        )
    )
    refusal = SlaCredit.Refusal.SUPPORT_BANNED
    answers = {
        language: _refusal_answer(language=language, refusal=refusal) for language in set(languages.values())
    }
    tickets_close(claims, answers={claim.pk: answers[languages[claim.customer_id]] for claim in claims})
    SlaCredit.objects.bulk_create(
        SlaCredit(**_assessment(claim, by=None), status=SlaCredit.Status.REFUSED, refusal=refusal)
        for claim in claims
    )
    return len(claims)


@transaction.atomic
def sla_claim_refuse(*, ticket: Ticket, reason: str, by) -> SlaCredit:
    """Refuse an SLA claim with the staff's reason, which the customer reads; a banned account's claim is
    refused for the ban whatever the reason given."""
    claim = _claim_lock(ticket=ticket)
    if claim.customer.is_banned:
        return _refuse(claim=claim, by=by, refusal=SlaCredit.Refusal.SUPPORT_BANNED)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the refusal: the customer reads it.")]})
    return _refuse(claim=claim, by=by, refusal=SlaCredit.Refusal.NOT_COVERED, reason=reason)
