"""The e-mail outbox (portal.notifications): a notification is stored with the change that
causes it, handed to Celery after commit, kept when the broker is down, retried with backoff,
and sent at most once. See docs/notifications.md."""

import smtplib
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from kombu import pools as kombu_pools

from portal import notifications
from portal.celery import app as celery_app
from portal.models import Notification

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@contextmanager
def celery_broker(url: str):
    """Point the Celery app at `url` with eager execution off, as in production; restore after.
    The connection pools remember the broker they were made for, so they are dropped too."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager

    def reset_pools():
        kombu_pools.reset()  # kombu keeps one pool per broker URL in a global registry
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield
    finally:
        reset_pools()
        conf.broker_url, conf.task_always_eager = saved


def notify_someone(user, **kwargs):
    return notifications.notify(user, subject="Uw aanvraag is ingediend", body="Bedankt.", **kwargs)


def test_nothing_is_sent_before_the_transaction_commits_and_it_is_sent_once_after(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notification = notify_someone(user)
            assert mail.outbox == []
        assert mail.outbox == []  # still inside the test's outer transaction
    assert [message.to for message in mail.outbox] == [[user.email]]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notifications.send_now(notification.pk) is False  # never twice
    assert notifications.flush(older_than=timedelta(0)) == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_sends_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify_someone(user)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_with_the_broker_down_the_change_succeeds_and_the_outbox_sends_later(user, django_capture_on_commit_callbacks):
    with celery_broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify_someone(user)
        # notify + commit did not raise; the message waits in the outbox.
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        assert mail.outbox == []
    # flush_outbox (Celery beat, every minute) picks it up once the broker is back.
    assert notifications.flush(older_than=timedelta(0)) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_flush_leaves_fresh_notifications_to_the_worker(user):
    notify_someone(user)  # not committed in this test, so not dispatched either
    assert notifications.flush() == 0  # younger than 30 seconds: the worker's hand-off may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert notifications.flush() == 1


def test_a_failing_mail_server_is_recorded_and_retried_with_backoff(user, settings):
    settings.EMAIL_BACKEND = "portal.tests.test_notifications.FailingBackend"
    notification = notify_someone(user)
    assert notifications.send_now(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "Connection unexpectedly closed" in notification.last_error
    assert notification.next_attempt_at > timezone.now() + timedelta(minutes=1)

    later = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(later):
        assert notifications.flush() == 0  # not due yet: backoff
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(later + timedelta(minutes=2)):
        assert notifications.flush() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert len(mail.outbox) == 1


class RecordingFailingBackend(BaseEmailBackend):
    """Refuses every message, noting the Message-ID it was offered."""

    seen: list[str] = []

    def send_messages(self, messages):
        RecordingFailingBackend.seen.extend(m.message()["Message-ID"] for m in messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_every_attempt_of_a_notification_carries_the_same_message_id(user, settings):
    """A mail server that got a message from a worker that then died sees the resend as the
    same message (and can drop the duplicate)."""
    RecordingFailingBackend.seen = []
    settings.EMAIL_BACKEND = "portal.tests.test_notifications.RecordingFailingBackend"
    notification = notify_someone(user)
    other = notify_someone(user)
    assert notifications.send_now(notification.pk) is False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert notifications.send_now(notification.pk) is True
        assert notifications.send_now(other.pk) is True
    first_try = RecordingFailingBackend.seen[0]
    assert mail.outbox[0].message()["Message-ID"] == first_try
    assert mail.outbox[1].message()["Message-ID"] != first_try  # each notification its own


def test_a_database_error_in_the_send_task_is_retried_until_it_goes_through(user, monkeypatch):
    """PostgreSQL restarting while the worker sends: the task is retried, not lost."""
    from django.db import OperationalError

    from portal import tasks

    notification = notify_someone(user)
    real, calls = notifications.send_now, []

    def flaky(pk):
        calls.append(pk)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(pk)

    monkeypatch.setattr(notifications, "send_now", flaky)
    tasks.send_notification.apply(args=[notification.pk])  # eager: retries run at once
    notification.refresh_from_db()
    assert calls == [notification.pk] * 3
    assert notification.status == Notification.Status.SENT and len(mail.outbox) == 1


def test_after_ten_failed_attempts_a_notification_is_marked_failed(user, settings):
    settings.EMAIL_BACKEND = "portal.tests.test_notifications.FailingBackend"
    notification = notify_someone(user)
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.send_now(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == notifications.MAX_ATTEMPTS
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert notifications.flush() == 0  # a failed one is left for a person to look at


def test_a_dedupe_key_sends_at_most_once(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_someone(user, dedupe_key="review-reminder:42:3-days")
        second = notify_someone(user, dedupe_key="review-reminder:42:3-days")
    with django_capture_on_commit_callbacks(execute=True):
        third = notify_someone(user, dedupe_key="review-reminder:42:3-days")
    assert first is not None
    assert second is None and third is None
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_notification_to_an_address_without_account(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications.notify(None, subject="Uitnodiging", body="Welkom.", email="nieuw@example.org")
    assert notification.recipient is None
    assert mail.outbox[0].to == ["nieuw@example.org"]


def test_notifications_are_written_in_the_recipients_language(user):
    user.preferred_language = "en"
    notification = notifications.notify(
        user,
        "accounts_invitation_accepted",
        {"organisation": user.organisations.model(pk=1, name="Voorbeeld"), "member": user},
    )
    assert notification.language == "en"
    assert notification.subject == f"{user.email} joined Voorbeeld"


def test_notifications_about_an_object_form_its_history(user, organisation):
    notify_someone(user, about=organisation)
    notify_someone(user)
    assert list(notifications.history_for(organisation).values_list("email", flat=True)) == [user.email]
