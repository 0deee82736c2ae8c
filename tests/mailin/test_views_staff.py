"""The staff's side of e-mail in: the list of received mail, and the marker on messages that came by e-mail."""

import pytest
from django.urls import reverse

from mailin.models import InboundEmail
from mailin.services import inbound_email_receive
from tests.mailin.conftest import mail, reply_to
from tests.portals import browser, statuses
from tickets.services import message_post, ticket_open

pytestmark = pytest.mark.django_db


def receive(raw: bytes) -> InboundEmail:
    return inbound_email_receive(raw=raw, source=InboundEmail.Source.PIPE)


def test_staff_see_which_messages_came_by_e_mail_and_the_customer_does_not(customer, agent):
    ticket = ticket_open(by=customer, kind="technical", subject="Mail", description="d")
    message_post(ticket=ticket, author=customer, body="Typed in the portal")
    receive(reply_to(ticket, body="Sent from my phone"))
    staff_page = browser(agent).get(reverse("staff:tickets:detail", args=[ticket.pk])).content.decode()
    assert "Sent from my phone" in staff_page and staff_page.count("by e-mail") == 1
    customer_page = (
        browser(customer).get(reverse("customer:tickets:detail", args=[ticket.pk])).content.decode()
    )
    assert "Sent from my phone" in customer_page and "by e-mail" not in customer_page


def test_the_list_of_received_mail_shows_outcomes_to_support_only(customer, agent, admin_user, finance):
    receive(mail(sender="stranger@example.org", subject="<script>alert(1)</script>"))
    receive(mail(subject="A question"))
    url = reverse("staff:mailin:inbound")
    page = browser(agent).get(url).content.decode()
    assert "stranger@example.org" in page and "Sender is not a customer" in page and "A question" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert statuses(url, None, customer, finance, admin_user) == [302, 403, 403, 200]


@pytest.mark.parametrize("rows", [1, 40])
def test_the_list_does_not_grow_in_queries_with_rows(customer, agent, rows, django_assert_max_num_queries):
    for number in range(rows):
        receive(mail(subject=f"Question {number}"))
    client = browser(agent)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("staff:mailin:inbound"))
    assert response.status_code == 200
    if rows > 25:
        assert 'rel="next"' in response.content.decode()
