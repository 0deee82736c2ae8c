"""Staff notices (issue 18): what a customer does on a ticket is e-mailed to its assignee, else to the queue,
through the outbox, with a link to the ticket's staff page, in the recipient's language; never the staff's own
actions, never to someone who switched them off, nothing on a rollback."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from consent.services import access_request_create, access_request_grant
from outbox.models import SentEmail
from quotes.services import quote_accept, quote_decline
from tests.factories import UserFactory
from tests.portals import incident, quoted
from tickets.models import StaffNotice, Ticket
from tickets.services import message_post, ticket_claim, ticket_start_diagnosis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SUPPORT_QUEUE_EMAIL = ""


def settled():
    """The e-mails of the setup count as gone: the relay of the step under test sends only its own."""
    SentEmail.objects.update(sent_at=timezone.now(), attempts=1)


def staff_link(ticket) -> str:
    return SITE + reverse("staff:tickets:detail", args=[ticket.pk])


def notices_to(mailoutbox, address: str) -> list:
    return [message for message in mailoutbox if message.to == [address]]


def staff_mail(mailoutbox, *, customer_addresses=("client@example.fr",)) -> list:
    return [message for message in mailoutbox if not set(message.to) & set(customer_addresses)]


@pytest.fixture
def claimed(customer, agent) -> Ticket:
    """An incident the agent claimed: what the customer does on it is told to the agent."""
    ticket = incident(customer)
    ticket_claim(ticket=ticket, by=agent)
    return ticket


@pytest.fixture
def customer_replies(customer, django_capture_on_commit_callbacks):
    """Posts the customer's message on a ticket and runs what its commit schedules: the notices' relay."""

    def reply(ticket: Ticket, body: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            message_post(ticket=Ticket.objects.get(pk=ticket.pk), author=customer, body=body)

    return reply


def test_a_new_ticket_is_told_to_every_active_agent_with_the_link_in_their_language(
    customer, agent, other_agent, finance, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    other_agent.language = "de"
    other_agent.save()
    UserFactory(email="gone@example.com", role=Role.AGENT, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = incident(customer)
    staff = staff_mail(mailoutbox)
    assert sorted(message.to[0] for message in staff) == ["agent2@example.com", "agent@example.com"]
    (english,) = notices_to(mailoutbox, "agent@example.com")
    (german,) = notices_to(mailoutbox, "agent2@example.com")
    assert english.subject == f"New ticket no. {ticket.pk} from Boulangerie Test"
    assert german.subject == f"Neues Ticket Nr. {ticket.pk} von Boulangerie Test"
    for message in (english, german):
        assert staff_link(ticket) in message.body
        assert f'href="{staff_link(ticket)}"' in message.alternatives[0][0]
    assert SentEmail.objects.get(recipients="agent2@example.com").language == "de"


def test_the_queue_address_replaces_the_agents_when_it_is_set(
    customer, agent, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SUPPORT_QUEUE_EMAIL = "support-team@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = incident(customer)
    (notice,) = staff_mail(mailoutbox)
    assert notice.to == ["support-team@example.com"]
    assert staff_link(ticket) in notice.body
    assert StaffNotice.objects.get().address == "support-team@example.com"


def test_a_customers_reply_is_told_to_the_assignee_alone(other_agent, claimed, mailoutbox, customer_replies):
    settled()
    customer_replies(claimed, "Still down")
    (notice,) = staff_mail(mailoutbox)
    assert notice.to == ["agent@example.com"]
    assert notice.subject == f"Ticket no. {claimed.pk}: the customer replied"
    assert staff_link(claimed) in notice.body
    assert "Still down" not in notice.body  # the customer's words are read on the ticket, behind a login


def test_the_staffs_own_actions_are_never_told(
    customer, agent, other_agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = incident(customer)
    StaffNotice.objects.all().delete()
    SentEmail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_start_diagnosis(ticket=ticket, by=agent)
        message_post(ticket=ticket, author=agent, body="Looking into it")
        access_request_create(ticket=ticket, scope="read_data", reason="Logs", duration_hours=2, by=agent)
    assert not StaffNotice.objects.exists()
    assert staff_mail(mailoutbox, customer_addresses=["client@example.fr"]) == []


def test_an_assignee_who_switched_notices_off_gets_none_and_nobody_else_does_instead(
    agent, other_agent, claimed, mailoutbox, customer_replies
):
    agent.email_notices = False
    agent.save()
    customer_replies(claimed, "Hello?")
    assert not StaffNotice.objects.filter(event=StaffNotice.Event.MESSAGE).exists()
    assert [message for message in staff_mail(mailoutbox) if "replied" in message.subject] == []


def test_an_agent_who_switched_notices_off_is_left_out_of_the_queue(
    customer, agent, other_agent, mailoutbox, django_capture_on_commit_callbacks
):
    other_agent.email_notices = False
    other_agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        incident(customer)
    assert [message.to for message in staff_mail(mailoutbox)] == [["agent@example.com"]]


def test_switching_off_after_the_notice_was_written_sends_it_to_nobody(
    customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        incident(customer)
    agent.email_notices = False
    agent.save()
    from outbox.services import emails_relay

    emails_relay()
    assert staff_mail(mailoutbox) == []
    assert SentEmail.objects.get(kind="staff_ticket_opened").recipients == ""


def test_a_rollback_writes_and_sends_no_notice(
    customer, claimed, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = claimed
    before = StaffNotice.objects.count(), SentEmail.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            message_post(ticket=ticket, author=customer, body="Lost")
            raise RuntimeError("the request failed after the message")
    assert (StaffNotice.objects.count(), SentEmail.objects.count()) == before
    assert notices_to(mailoutbox, "agent@example.com") == []
    assert Ticket.objects.get(pk=ticket.pk).waiting_since is None


def test_access_granted_is_told_to_the_assignee(
    customer, asked, mailoutbox, django_capture_on_commit_callbacks
):
    settled()
    with django_capture_on_commit_callbacks(execute=True):
        access_request_grant(access_request=asked, by=customer)
    (notice,) = staff_mail(mailoutbox)
    assert notice.to == ["agent@example.com"]
    assert notice.subject == f"Ticket no. {asked.ticket_id}: access to the customer's data granted"
    assert staff_link(asked.ticket) in notice.body


@pytest.mark.parametrize(
    ("decide", "subject"),
    [
        (quote_accept, "quote accepted, the work can start"),
        (quote_decline, "quote declined, the ticket is closed"),
    ],
)
def test_a_quote_decided_is_told_to_the_assignee(
    customer, agent, other_agent, decide, subject, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = quoted(customer, agent)
    settled()
    with django_capture_on_commit_callbacks(execute=True):
        decide(quote=ticket.quote, by=customer)
    (notice,) = staff_mail(mailoutbox)
    assert notice.to == ["agent@example.com"]
    assert notice.subject == f"Ticket no. {ticket.pk}: {subject}"
    assert staff_link(ticket) in notice.body


def test_a_french_agent_reads_the_notice_in_french(agent, claimed, mailoutbox, customer_replies):
    agent.language = "fr"
    agent.save()
    settled()
    customer_replies(claimed, "Encore")
    (notice,) = staff_mail(mailoutbox)
    assert notice.subject == f"Ticket n°\u00a0{claimed.pk}\u00a0: le client a répondu"
    assert "Boulangerie Test a répondu sur le ticket n°\u00a0" in notice.body


def test_an_assignee_no_longer_active_leaves_the_notice_to_the_queue(
    agent, other_agent, claimed, mailoutbox, customer_replies
):
    agent.is_active = False
    agent.save()
    settled()
    customer_replies(claimed, "Anyone?")
    assert [message.to for message in staff_mail(mailoutbox)] == [["agent2@example.com"]]
