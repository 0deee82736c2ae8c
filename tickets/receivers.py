"""Tickets' reactions to what lower apps announce."""

from django.dispatch import receiver

from billing.signals import customers_banned
from tickets.services import tickets_cancel_for_bans


@receiver(customers_banned, dispatch_uid="tickets.cancel_open_tickets_of_banned_accounts")
def cancel_open_tickets_of_banned_accounts(sender, customer_ids, **kwargs):
    tickets_cancel_for_bans(customer_ids=customer_ids)
