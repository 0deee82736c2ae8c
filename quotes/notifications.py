"""E-mail sent with a quote: its total, its validity, and how to accept or decline it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config.formatting import format_date_lazy
from outbox.services import EmailSpec, email_builder, site_link
from quotes.models import Quote
from tickets.notifications import ticket_reply_to

QUOTE_SENT = "quote_sent"


@email_builder(QUOTE_SENT)
def quote_sent(pk: int) -> EmailSpec:
    quote = Quote.objects.select_related("ticket__customer").get(pk=pk)
    return EmailSpec(
        customer=quote.ticket.customer,
        template="email/quotes/quote_sent",
        subject=_("Quote for ticket no. %(ticket_id)s"),
        context={
            "quote": quote,
            "ticket_id": quote.ticket_id,
            "valid_until": format_date_lazy(quote.valid_until),
            "lines": list(quote.lines.order_by("position")),
            "link": site_link(reverse("customer:quotes:detail", args=[quote.pk])),  # where it is decided
        },
        reply_to=ticket_reply_to(quote.ticket_id),
    )
