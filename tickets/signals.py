"""Signals of tickets: how tickets tell the apps above them what they must react to."""

from django.dispatch import Signal

# Sent inside the transaction that moved tickets into a final state (resolved, closed, cancelled), with
# `ticket_ids` (a list): one message per use case, and one for a whole chunk of the ban sweep, so that
# the receivers can act set-based. Sent by tickets.services.tickets_ended_announce, nowhere else.
tickets_ended = Signal()

# Sent inside the ban's transaction (tickets_cancel_for_bans), with `ticket_ids` (a list): the open SLA
# claims of accounts just banned, which by the contract are lost. They are not cancelled: its one receiver,
# credits.receivers, refuses each for the ban, with the answer that says so.
sla_claims_forfeited = Signal()
