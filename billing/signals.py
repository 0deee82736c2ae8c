"""Signals of billing: how the money engine tells the apps above it what they must react to at once."""

from django.dispatch import Signal

# Accounts have just been banned from support, with `customer_ids` (a list): sent once per call of
# `billing.services.bans_apply`, the one function that bans, inside its transaction. The ban path:
#
#   a refused invoice (`invoice_refuse`, its ban applied after commit by `ban_apply_task`) or a lapsed
#   one (`invoices_lapse`, its ban applied by the hourly sweep's `bans_apply_pending`) records a ban;
#   → `bans_apply` bans the accounts and sends this signal;
#   → its one receiver, tickets.receivers, cancels the accounts' tickets nobody has started on
#     (`tickets_cancel_for_bans`), which announces them once with `tickets.signals.tickets_ended`;
#   → its one receiver, consent.receivers, ends those tickets' access requests after commit;
#   → back in `bans_apply`, each ban's e-mail is recorded in the outbox, sent after commit.
customers_banned = Signal()
