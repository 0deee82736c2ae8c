"""Tickets' reactions to what lower apps announce."""

from django.dispatch import receiver

from billing.signals import customer_banned, customers_banned
from tickets.services import tickets_cancel_for_ban, tickets_cancel_for_bans


@receiver(customer_banned, dispatch_uid="tickets.cancel_open_tickets_of_banned_account")
def cancel_open_tickets_of_banned_account(sender, customer, **kwargs):
    tickets_cancel_for_ban(customer=customer)


@receiver(customers_banned, dispatch_uid="tickets.cancel_open_tickets_of_banned_accounts")
def cancel_open_tickets_of_banned_accounts(sender, customers, **kwargs):
    tickets_cancel_for_bans(customer_ids=[customer.pk for customer in customers])
