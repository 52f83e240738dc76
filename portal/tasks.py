"""Tasks of the shared building blocks. Sending e-mail is acknowledged late (settings:
CELERY_TASK_ACKS_LATE and REJECT_ON_WORKER_LOST, repeated here so the guarantee does not depend
on a setting): a worker killed mid-task leaves the message in the broker, and another worker runs
it again. That is safe because `notifications.send_now` is idempotent (row lock, status check).
A database hiccup (PostgreSQL restarting) is retried with exponential backoff; an SMTP failure is
recorded on the notification and retried by the outbox (`flush_outbox`)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import notifications

RETRY = dict(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)


@shared_task(ignore_result=True, **RETRY)
def send_notification(pk: int) -> None:
    notifications.send_now(pk)


@shared_task(ignore_result=True, **RETRY)
def flush_outbox() -> int:
    return notifications.flush()
