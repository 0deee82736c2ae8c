from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response

from accounts.idempotency import idempotent
from accounts.permissions import IsCustomer, IsCustomerOrSupport
from billing.api import MoneyActionApi, priced_document_fields
from config.ratelimit import rate_limited
from config.routing import route
from config.serializers import CompiledSerializer, text_field
from quotes import services
from quotes.models import Quote
from quotes.selectors import quotes_visible_to
from tickets.api import TicketInputActionApi


class QuoteOutput(CompiledSerializer):
    """A quote as the contract shows it, alone and as its ticket's `quote` (a part of TicketOutput)."""

    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    status = serializers.ChoiceField(choices=Quote.State.choices)
    lines, net, vat_rate, vat, gross, currency = priced_document_fields()
    valid_until = serializers.DateField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    number = serializers.CharField(allow_null=True)  # FR-2026-Q000001; null on quotes sent before the series


@route("quotes/<int:pk>/", name="detail")
class QuoteDetailApi(RetrieveAPIView):
    serializer_class = QuoteOutput
    permission_classes = [IsCustomerOrSupport]

    def get_queryset(self):
        return quotes_visible_to(user=self.request.user).prefetch_related("lines")


@extend_schema(request=None, responses={200: QuoteOutput})
class QuoteActionApi(MoneyActionApi):
    # The customer decides on its quote with `use_case(quote=, by=)`: the answer is the quote as decided.
    # No docstring: the schema would show it as the description of the views that have none.

    permission_classes = [IsCustomer]
    visible_to = staticmethod(quotes_visible_to)
    use_case: Callable[..., Quote]

    def act(self, quote: Quote, /, *, by, **values) -> Response:
        decided = self.use_case(quote=quote, by=by, **values)
        return Response(QuoteOutput(self.get_queryset().prefetch_related("lines").get(pk=decided.pk)).data)


@route("quotes/<int:pk>/accept/", name="accept")
class QuoteAcceptApi(QuoteActionApi):
    """Accepting starts the work at once; no payment is asked first."""

    use_case = staticmethod(services.quote_accept)
    post = idempotent(QuoteActionApi.post)


@route("quotes/<int:pk>/decline/", name="decline")
class QuoteDeclineApi(QuoteActionApi):
    """Declining closes the ticket and bills the diagnosis fee."""

    use_case = staticmethod(services.quote_decline)


@route("tickets/<int:pk>/complete-work/", name="complete-work")
@rate_limited("money")  # completing the work issues the invoice
class TicketCompleteWorkApi(TicketInputActionApi):
    use_case = staticmethod(services.ticket_complete_work)

    class Input(serializers.Serializer):
        report = text_field()
