"""Customer portal: a quote, its price, and accepting or declining it."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import CustomerRequiredMixin
from config.form_views import UseCaseButtonMixin
from config.ratelimit import rate_limited
from config.routing import route
from documents.api import stored_pdf_response
from quotes import services
from quotes.documents import quote_pdf_stored
from quotes.models import Quote
from quotes.pdf import quote_number
from quotes.selectors import quotes_visible_to
from tickets.fees import BillingMoment


@route("quotes/<int:pk>/", name="detail")
class QuoteDetailView(CustomerRequiredMixin, View):
    def get(self, request, pk):
        quote = get_object_or_404(
            quotes_visible_to(user=request.user).select_related("ticket").prefetch_related("lines"), pk=pk
        )
        return render(request, "customer/quotes/detail.html", {"quote": quote, "ticket": quote.ticket})


@route("quotes/<int:pk>/pdf/", name="pdf")
class QuotePdfView(CustomerRequiredMixin, View):
    """The quote's PDF exactly as sent (the same stored bytes the API serves)."""

    def get(self, request, pk):
        quote = get_object_or_404(quotes_visible_to(user=request.user).only("id", "number"), pk=pk)
        return stored_pdf_response(quote_pdf_stored(quote_id=quote.pk), filename=quote_number(quote))


@rate_limited("money")
class _QuoteDecisionView(UseCaseButtonMixin, CustomerRequiredMixin, View):
    """GET states what the decision will cost (the total, fee included) and asks to confirm; POST decides."""

    object_name = "quote"
    visible_to = staticmethod(quotes_visible_to)
    back_to_url = "customer:tickets:detail"
    moment: str  # when the outcome table bills this decision (tickets.fees.BillingMoment)
    decision = ""  # "accept" or "decline": the confirmation page's wording

    def get(self, request, pk):
        quote = get_object_or_404(
            quotes_visible_to(user=request.user).select_related("ticket__customer").prefetch_related("lines"),
            pk=pk,
        )
        if quote.status != Quote.State.SENT:
            return self.back_to(quote)
        cost = services.quote_decision_cost(quote=quote, moment=self.moment)
        context = {"quote": quote, "ticket": quote.ticket, "cost": cost, "decision": self.decision}
        return render(request, "customer/quotes/confirm.html", context)


@route("quotes/<int:pk>/accept/", name="accept")
class QuoteAcceptView(_QuoteDecisionView):
    """Accepting starts the work at once; the invoice comes when the work is done."""

    use_case = staticmethod(services.quote_accept)
    moment = BillingMoment.WORK_COMPLETED
    decision = "accept"
    done = _("You accepted the quote: the work starts now.")


@route("quotes/<int:pk>/decline/", name="decline")
class QuoteDeclineView(_QuoteDecisionView):
    """Declining closes the ticket; the diagnosis fee is invoiced unless it was free."""

    use_case = staticmethod(services.quote_decline)
    moment = BillingMoment.QUOTE_DECLINED
    decision = "decline"
    done = _("You declined the quote: the ticket is closed.")
