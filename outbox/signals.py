"""Signals of the outbox: how it tells the apps above it that an e-mail has gone."""

from django.dispatch import Signal

# Sent inside the sending transaction once a recorded e-mail has gone, with `email` (the SentEmail:
# kind, object_id, recipients, sent_at). consent records it as a contact with the customer.
email_sent = Signal()
