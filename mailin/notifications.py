"""The desk's answers to an e-mail it received: the ban notice to a banned account's user, the link to the
portal's incident form to one who asked for an incident by e-mail. Each goes to the sender alone, in the
account's language, marked as automatic (RFC 3834) so that no well-behaved robot answers it back."""

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.models import BanEvent
from billing.notifications import account_banned
from mailin.models import InboundEmail
from mailin.parsing import LOOP_MARK
from outbox.services import EmailSpec, email_builder, site_link

MAILIN_BAN_NOTICE = "mailin_ban_notice"
MAILIN_INCIDENT_FORM = "mailin_incident_form"


def _inbound(pk: int) -> InboundEmail:
    return InboundEmail.objects.select_related("customer").get(pk=pk)


def _answer_headers(inbound: InboundEmail) -> dict[str, str]:
    headers = {"Auto-Submitted": "auto-replied", "X-Loop": LOOP_MARK}
    if not inbound.message_id.startswith("sha256:"):
        headers.update({"In-Reply-To": inbound.message_id, "References": inbound.message_id})
    return headers


@email_builder(MAILIN_BAN_NOTICE)
def ban_notice(pk: int) -> EmailSpec:
    """The account's ban notice (billing's, about its latest ban), to the one who wrote."""
    inbound = _inbound(pk)
    assert inbound.customer is not None  # noqa: S101 - answers go to known users only
    ban = BanEvent.objects.filter(customer=inbound.customer, kind=BanEvent.Kind.BAN).latest("id")
    return replace(
        account_banned(ban.pk),
        to=(inbound.sender,),
        language=inbound.customer.language,
        headers=_answer_headers(inbound),
    )


@email_builder(MAILIN_INCIDENT_FORM)
def incident_form(pk: int) -> EmailSpec:
    inbound = _inbound(pk)
    assert inbound.customer is not None  # noqa: S101 - answers go to known users only
    return EmailSpec(
        customer=inbound.customer,
        template="email/mailin/incident_form",
        subject=_("Your incident: please open it in the portal"),
        context={"subject": inbound.subject, "link": site_link(reverse("customer:tickets:open"))},
        to=(inbound.sender,),
        language=inbound.customer.language,
        headers=_answer_headers(inbound),
    )
