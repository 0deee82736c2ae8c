"""Signals of tickets: how tickets tell the apps above them what they must react to."""

from django.dispatch import Signal

# Sent inside the transaction that moved tickets into a final state (resolved, closed, cancelled), with
# `ticket_ids` (a list): one message per use case, and one for a whole chunk of the ban sweep, so that
# the receivers can act set-based. Sent by tickets.services.tickets_ended_announce, nowhere else.
tickets_ended = Signal()
