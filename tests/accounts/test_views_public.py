"""Log in, log out, password reset and the language switch, for every portal."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.mfa import mfa_required_for
from accounts.services import password_reset_mail_send
from tests.factories import PASSWORD
from tests.mfa import give_code, totp_device
from tests.portals import HOSTILE, browser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("customer", "customer:tickets:dashboard"),
        ("agent", "staff:tickets:queue"),
        ("finance", "finance:billing:invoices"),
    ],
)
def test_login_lands_on_the_roles_portal_in_the_accounts_language(request, persona, landing):
    user = request.getfixturevalue(persona)
    if mfa_required_for(user):
        totp_device(user)  # staff give their app's code after the password (SEC-10)
    client = browser(None)
    response = client.post(reverse("login"), {"username": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == user.preferred_language
    if mfa_required_for(user):
        assert response["Location"].startswith(reverse("mfa_verify"))
        assert give_code(client, user).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse(landing)


def test_login_rotates_the_session_key(customer):
    client = browser(None)
    client.get(reverse("login"))
    before = client.session.session_key
    client.post(reverse("login"), {"username": customer.email, "password": PASSWORD})
    assert client.session.session_key != before


def test_unknown_address_and_wrong_password_get_the_same_answer(customer):
    unknown = browser(None).post(reverse("login"), {"username": "nobody@example.com", "password": "x" * 12})
    wrong = browser(None).post(reverse("login"), {"username": customer.email, "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_logout_ends_the_session(customer):
    client = browser(customer)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("customer:tickets:dashboard")).status_code == 302


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as known_callbacks:
        known = browser(None).post(reverse("password_reset"), {"email": customer.email})
    with django_capture_on_commit_callbacks() as unknown_callbacks:
        unknown = browser(None).post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(known_callbacks) == len(unknown_callbacks) == 1  # the same work: one task either way
    assert mail.outbox == []


def test_the_reset_mail_goes_to_the_account_in_its_language_and_the_link_works(customer):
    assert password_reset_mail_send(email=customer.email, domain="testserver", use_https=False) == 1
    assert password_reset_mail_send(email="nobody@example.com", domain="testserver", use_https=False) == 0
    message = mail.outbox[0]
    assert message.to == [customer.email] and "mot de passe" in message.subject
    link = next(line for line in message.body.splitlines() if line.startswith("http://testserver/"))
    client = browser(None)
    form_page = client.get(link.removeprefix("http://testserver"), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-much-longer-passphrase-42", "new_password2": "a-much-longer-passphrase-42"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    again = browser(None).post(
        reverse("login"), {"username": customer.email, "password": "a-much-longer-passphrase-42"}
    )
    assert again.status_code == 302


@pytest.mark.parametrize("value", HOSTILE)
def test_login_and_reset_survive_hostile_input(value):
    assert browser(None).post(reverse("login"), {"username": value, "password": value}).status_code == 200
    assert browser(None).post(reverse("password_reset"), {"email": value}).status_code in (200, 302)


def test_the_language_switch_overrides_the_account_language(customer):
    client = browser(customer)
    response = client.post(
        reverse("set_language"), {"language": "de", "next": reverse("customer:tickets:open")}
    )
    assert response.status_code == 302
    page = client.get(reverse("customer:tickets:open"))
    assert "zahlungspflichtig bestellen" in page.content.decode()
    assert 'action="/i18n/setlang/"' in page.content.decode()
