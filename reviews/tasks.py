"""Periodic work of the review (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task
def send_review_reminders() -> int:
    """Remind reviewers of reviews that are nearly or over due (each reminder at most once)."""
    return services.send_review_reminders()


@shared_task
def apply_retention() -> int:
    """Remove the personal data whose retention period has ended (privacy statement)."""
    from . import retention

    return len(retention.apply())
