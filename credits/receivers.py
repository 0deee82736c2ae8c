"""Credits' part in the ban path (billing.signals): the SLA claims a ban makes the account lose."""

from django.dispatch import receiver

from credits.services import sla_claims_refuse_for_bans
from tickets.signals import sla_claims_forfeited


@receiver(sla_claims_forfeited, dispatch_uid="credits.refuse_forfeited_sla_claims")
def refuse_forfeited_sla_claims(sender, ticket_ids, **kwargs):
    sla_claims_refuse_for_bans(ticket_ids=ticket_ids)
