"""A sweep's e-mails: recorded with the bans, relayed by one task per chunk after commit, sent in batches over
one connection; the hourly sweep sends only those whose task was lost (pending past the grace period)."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from accounts.models import Customer
from billing import notifications, services
from billing.models import BanEvent
from ops.sweeps import deadlines_enforce
from outbox import services as outbox_services
from outbox import tasks
from outbox.models import SentEmail
from tests.billing.conftest import issue_invoice
from tests.celery_worker import needs_redis, real_worker, redis_answers  # noqa: F401 - skipif evaluates it
from tests.factories import CustomerFactory, UserFactory

BANNED = notifications.ACCOUNT_BANNED


def overdue_bans(count):
    """`count` accounts (French and German in turn, a user each) whose overdue invoice lapsed: the bans to apply."""
    invoices = []
    for n in range(count):
        country, language = ("FR", "fr") if n % 2 == 0 else ("DE", "de")
        account = CustomerFactory(country=country, language=language)
        UserFactory(customer=account, email=f"account{n}@example.com")
        invoices.append(issue_invoice(account))
    SentEmail.objects.update(sent_at=timezone.now(), attempts=1)  # the invoices' own e-mails went
    services.invoices_lapse(
        invoice_ids=[i.pk for i in invoices], today=invoices[0].due_on + timedelta(days=1)
    )
    return list(BanEvent.objects.order_by("id").values_list("id", flat=True))


def pending():
    return SentEmail.objects.filter(kind=BANNED, sent_at__isnull=True)


@pytest.fixture
def relayed(monkeypatch):
    """The relay tasks published, as (kind, object ids); none runs."""
    calls = []
    monkeypatch.setattr(tasks.emails_send_task, "delay", lambda kind, ids: calls.append((kind, list(ids))))
    return calls


@pytest.mark.django_db
def test_a_chunk_of_bans_hands_its_emails_to_one_task_once_committed(
    relayed, django_capture_on_commit_callbacks
):
    ban_ids = overdue_bans(3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.bans_apply(ban_ids=ban_ids)
        assert pending().count() == 3  # written in the business transaction
    assert relayed == []  # nothing is published before the commit
    for callback in callbacks:
        callback()
    assert relayed == [(BANNED, ban_ids)]
    assert pending().count() == 3  # the task only relays


@pytest.mark.django_db
def test_the_task_relays_the_chunks_emails_once_each_in_its_accounts_language(mailoutbox):
    ban_ids = overdue_bans(3)
    services.bans_apply(ban_ids=ban_ids)

    assert tasks.emails_send_task(BANNED, ban_ids) == 3
    assert tasks.emails_send_task(BANNED, ban_ids) == 0

    assert not pending().exists()
    assert sorted(message.to[0] for message in mailoutbox) == [f"account{n}@example.com" for n in range(3)]
    languages = [message.alternatives[0][0].split('<html lang="')[1][:2] for message in mailoutbox]
    assert sorted(languages) == ["de", "fr", "fr"]
    sent = SentEmail.objects.filter(kind=BANNED).order_by("object_id")
    assert [(e.language, e.attempts, e.last_error) for e in sent] == [
        ("fr", 1, ""),
        ("de", 1, ""),
        ("fr", 1, ""),
    ]
    assert "FR-" in mailoutbox[0].body and "{{" not in mailoutbox[0].body


class CountingBackend(EmailBackend):
    """locmem, counting the connections opened."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return True


class FailingForOneBackend(EmailBackend):
    def send_messages(self, messages):
        if any("account1@" in address for message in messages for address in message.to):
            raise ConnectionResetError("mailbox unavailable")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_batch_goes_over_one_connection(settings, monkeypatch, mailoutbox):
    ban_ids = overdue_bans(5)
    services.bans_apply(ban_ids=ban_ids)
    settings.EMAIL_BACKEND = "tests.outbox.test_email_relay.CountingBackend"
    monkeypatch.setattr(CountingBackend, "opened", 0)
    monkeypatch.setattr(outbox_services, "EMAIL_BATCH", 2)

    assert outbox_services.emails_send(kind=BANNED, object_ids=ban_ids) == 5

    assert (CountingBackend.opened, len(mailoutbox)) == (3, 5)  # batches of 2, 2 and 1


@pytest.mark.django_db
def test_one_failure_in_a_chunk_is_recorded_the_others_go_and_the_retry_sends_only_it(settings, mailoutbox):
    ban_ids = overdue_bans(3)
    services.bans_apply(ban_ids=ban_ids)
    settings.EMAIL_BACKEND = "tests.outbox.test_email_relay.FailingForOneBackend"

    with pytest.raises(ConnectionResetError):
        tasks.emails_send_task(BANNED, ban_ids)  # raised for Celery's retry with backoff

    failed = pending().get()
    assert (failed.object_id, failed.attempts, failed.last_error) == (
        ban_ids[1],
        1,
        "ConnectionResetError: mailbox unavailable",
    )
    assert len(mailoutbox) == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.emails_send_task(BANNED, ban_ids) == 1
    failed.refresh_from_db()
    assert (failed.attempts, failed.last_error, len(mailoutbox)) == (2, "", 3)


@pytest.mark.django_db
def test_the_sweep_leaves_emails_younger_than_the_grace_period_to_their_task(mailoutbox):
    services.bans_apply(ban_ids=overdue_bans(2))  # recorded; their task has not run yet
    recorded = SentEmail.objects.latest("id").created_at

    assert tasks.emails_send_pending(now=recorded + outbox_services.EMAIL_GRACE) == 0
    assert pending().count() == 2 and mailoutbox == []

    assert tasks.emails_send_pending(now=recorded + outbox_services.EMAIL_GRACE + timedelta(seconds=1)) == 2
    assert not pending().exists() and len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_sweep_sends_in_bounded_batches_and_leaves_dead_letters_alone(monkeypatch, mailoutbox):
    services.bans_apply(ban_ids=overdue_bans(5))
    dead = pending().order_by("id").first()
    SentEmail.objects.filter(pk=dead.pk).update(attempts=outbox_services.MAX_ATTEMPTS, last_error="gave up")
    monkeypatch.setattr(outbox_services, "EMAIL_BATCH", 2)
    batches = []
    deliver = outbox_services._deliver
    monkeypatch.setattr(
        outbox_services, "_deliver", lambda emails: batches.append(len(emails)) or deliver(emails)
    )

    assert tasks.emails_send_pending(now=timezone.now() + timedelta(hours=1)) == 4

    assert batches == [2, 2]
    assert list(pending().values_list("id", flat=True)) == [dead.pk]


@pytest.mark.django_db
def test_a_lost_relay_task_is_recovered_by_the_next_hourly_sweep_once(
    customer, customer_account, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue_invoice(customer_account)
    day_31 = timezone.make_aware(
        timezone.datetime.combine(invoice.issued_on + timedelta(days=31), timezone.datetime.min.time())
    ) + timedelta(hours=12)
    with time_machine.travel(day_31, tick=False):
        with django_capture_on_commit_callbacks(execute=False):  # the broker lost every task of this run
            done = deadlines_enforce()
    # The invoice's own e-mail, lost 31 days ago, goes now; the ban notice is its task's for the grace period.
    assert (done["bans_apply_pending"], done["emails_send_pending"]) == (1, 1)
    assert pending().count() == 1 and len(mailoutbox) == 1

    with time_machine.travel(day_31 + timedelta(hours=1), tick=False):
        assert deadlines_enforce()["emails_send_pending"] == 1
        assert deadlines_enforce()["emails_send_pending"] == 0

    assert not pending().exists()
    assert [message.to for message in mailoutbox] == [[customer.email]] * 2
    assert SentEmail.objects.get(kind=BANNED).sent_at == day_31 + timedelta(hours=1)
    assert Customer.objects.get(pk=customer_account.pk).is_banned


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_real_worker_relays_a_chunks_emails_after_commit(tmp_path):
    with real_worker(log=tmp_path / "worker.log", tasks=["outbox.tasks.*", "billing.tasks.*"]) as log:
        services.bans_apply(ban_ids=overdue_bans(3))  # commits, then publishes one task
        started = time.monotonic()
        while time.monotonic() - started < 20 and pending().exists():
            time.sleep(0.1)
        assert not pending().exists(), log.read_text()
        assert log.read_text().count("outbox.tasks.emails_send_task") >= 1
    assert set(SentEmail.objects.values_list("attempts", flat=True)) == {1}
