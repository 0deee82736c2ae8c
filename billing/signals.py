"""Signals of billing: how the money engine tells the apps above it what they must react to at once."""

from django.dispatch import Signal

# Sent inside the transaction that bans an account (refused or lapsed invoice), with `customer` and
# `ban` (the BanEvent). The tickets app cancels the account's tickets that nobody has started on.
customer_banned = Signal()

# The same for many accounts banned together by one chunk of the deadline sweep, with `customers` (a
# list): one message instead of thousands, so that the receivers can act set-based too.
customers_banned = Signal()
