"""Tickets' reactions to what lower apps announce."""

from django.dispatch import receiver

from billing.signals import customer_banned
from tickets.services import tickets_cancel_for_ban


@receiver(customer_banned, dispatch_uid="tickets.cancel_open_tickets_of_banned_account")
def cancel_open_tickets_of_banned_account(sender, customer, **kwargs):
    tickets_cancel_for_ban(customer=customer)
