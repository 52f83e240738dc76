from celery import shared_task

from . import notifications


@shared_task(ignore_result=True)
def send_notification(pk: int) -> None:
    notifications.send_now(pk)


@shared_task(ignore_result=True)
def flush_outbox() -> int:
    return notifications.flush()
