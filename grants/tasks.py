"""Periodic work of the grants (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task
def watch_acceptances() -> dict:
    """Remind owners of grants awaiting acceptance, once; let unaccepted grants lapse."""
    return services.watch_acceptances()


@shared_task
def send_report_reminders() -> int:
    """Remind beneficiaries of reports before and after their due date (each once)."""
    return services.send_report_reminders()
