"""E-mail notifications through an outbox.

`notify` renders the message in the recipient's language and stores it as a pending
`Notification` in the caller's transaction. After commit the message is handed to Celery; if
the broker is down the hand-off fails quietly and `flush_outbox` (Celery beat, every minute)
sends it later. Nothing the user did is ever rolled back because mail could not be queued.
See docs/notifications.md.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def _language_of(recipient) -> str:
    return getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE


def render(template: str, context: dict, language: str) -> tuple[str, str]:
    """Render templates/email/<template>.subject.txt and .body.txt in `language`."""
    with translation.override(language):
        ctx = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"email/{template}.subject.txt", ctx).split())
        body = render_to_string(f"email/{template}.body.txt", ctx).strip() + "\n"
    return subject, body


def notify(
    recipient,
    template: str = "",
    context: dict | None = None,
    *,
    about=None,
    subject: str | None = None,
    body: str | None = None,
    email: str | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Queue one e-mail to `recipient` (a user, or None with `email`). Returns None when a
    notification with the same `dedupe_key` already exists (sent at most once)."""
    language = _language_of(recipient)
    if subject is None or body is None:
        subject, body = render(template, {"recipient": recipient, **(context or {})}, language)
    fields = dict(
        recipient=recipient if recipient is not None and recipient.pk else None,
        email=email or recipient.email,
        language=language,
        template=template,
        subject=subject[:250],
        body=body,
        dedupe_key=dedupe_key,
    )
    if about is not None:
        fields.update(content_type=ContentType.objects.get_for_model(about), object_id=about.pk)
    if dedupe_key:
        try:
            with transaction.atomic():
                notification = Notification.objects.create(**fields)
        except IntegrityError:
            return None
    else:
        notification = Notification.objects.create(**fields)
    transaction.on_commit(lambda: dispatch(notification.pk))
    return notification


def dispatch(pk: int) -> None:
    """Hand a notification to the worker; a broker outage leaves it for flush_outbox."""
    from . import tasks

    try:
        tasks.send_notification.delay(pk)
    except Exception as exc:  # kombu raises several types when the broker is unreachable
        log.warning("Could not queue notification %s (%s); the outbox will retry.", pk, exc)


def _headers(notification: Notification) -> dict:
    # One Message-ID per notification, the same on every attempt: should a worker die after
    # the SMTP server accepted the message but before the commit, the resend carries the same
    # id, and mail systems that deduplicate on it deliver it once.
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "oproep.invalid"
    return {"Message-ID": f"<notification-{notification.pk}-{notification.created_at:%Y%m%d%H%M%S}@{domain}>"}


def send_now(pk: int) -> bool:
    """Send one pending notification; idempotent (a sent one is never sent twice)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Notification.Status.PENDING)
        ).first()
        if notification is None:
            return False
        try:
            EmailMessage(
                notification.subject, notification.body, to=[notification.email], headers=_headers(notification)
            ).send()
        except Exception as exc:
            notification.attempts += 1
            notification.last_error = str(exc)[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.next_attempt_at = timezone.now() + timedelta(minutes=2**notification.attempts)
            notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            log.warning("Sending notification %s failed: %s", pk, exc)
            return False
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["status", "sent_at", "attempts"])
        return True


def flush(older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Send pending notifications that were not handed off or whose last attempt failed."""
    now = timezone.now()
    due = (
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lte=now - older_than)
        .exclude(next_attempt_at__gt=now)
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if send_now(pk))


def history_for(obj):
    return Notification.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
