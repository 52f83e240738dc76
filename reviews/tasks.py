"""Periodic work of the review (Celery beat, see CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from . import services

log = logging.getLogger(__name__)


@shared_task
def send_review_reminders() -> int:
    """Remind reviewers of reviews that are nearly or over due (each reminder at most once)."""
    return services.send_review_reminders()


@shared_task
def refresh_score_figures() -> int:
    """Bring the stored score figures of applications marked stale up to date: after a write the
    commit hook missed (a bulk insert or a failed refresh). Reads never wait for it."""
    from .scoring import refresh_figures

    return refresh_figures()


@shared_task
def apply_retention() -> int:
    """Remove the personal data whose retention period has ended (privacy statement)."""
    from . import retention

    return len(retention.apply())


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    max_retries=5,
)
def check_duplicates(application_id: int) -> int:
    """Look for double funding: flags for staff where a submitted application resembles another."""
    from . import duplicates

    return len(duplicates.check(application_id))


def enqueue_duplicate_check(application_id: int) -> None:
    """Queue the check once the submission commits; a broker that is down is logged, never
    raised into the submitting request."""

    def send():
        try:
            check_duplicates.delay(application_id)
        except Exception as error:  # noqa: BLE001 - the submission stands; the check can be rerun
            log.warning("could not queue the double-funding check of application %s: %s", application_id, error)

    transaction.on_commit(send)
