"""Signals of billing: how the money engine tells the apps above it what they must react to at once."""

from django.dispatch import Signal

# Accounts banned from support, with `customer_ids` (a list), are to lose their open tickets: sent once
# per call of `billing.services.bans_apply`, inside its transaction. The ban path:
#
#   a refused invoice (`invoice_refuse`) or a lapsed one (`invoices_lapse`) bans the account and records
#   the ban in its own transaction (`bans_request`), so no ticket can be opened from that commit on;
#   → after commit, `ban_apply_task` (a refusal's) or the hourly sweep's `bans_apply_pending` (a lapse's, or
#     a task that was lost) runs `bans_apply`, which sends this signal;
#   → its one receiver, tickets.receivers, cancels the accounts' tickets nobody has started on
#     (`tickets_cancel_for_bans`), which announces them once with `tickets.signals.tickets_ended`, and
#     hands their open SLA claims over with `tickets.signals.sla_claims_forfeited`;
#   → its one receiver, credits.receivers, refuses each claim for the ban (closed with the contract's
#     answer, never cancelled), which announces it ended too;
#   → the one receiver of `tickets_ended`, consent.receivers, ends those tickets' access requests after
#     commit;
#   → back in `bans_apply`, each ban's e-mail is recorded in the outbox, sent after commit.
customers_banned = Signal()
