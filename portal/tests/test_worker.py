"""A real Celery worker, as in production: a separate process on Redis that sends a notification
queued after commit. Needs Redis (TEST_REDIS_URL); skipped without it outside CI."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from portal import notifications
from portal.models import Notification
from portal.tests.test_notifications import celery_broker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("an in-memory SQLite test database cannot be shared with a worker process")
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(redis_url, tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": "consolemail://",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo",
            "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_worker_sends_a_notification_queued_after_commit(worker, user, redis_url, tmp_path):
    with celery_broker(redis_url):
        with transaction.atomic():
            notification = notifications.notify(user, subject="Ontvangstbewijs", body="Uw aanvraag is ontvangen.")
            assert Notification.objects.get(pk=notification.pk).status == Notification.Status.PENDING
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and worker.poll() is None:
            status = Notification.objects.values_list("status", flat=True).get(pk=notification.pk)
            if status == Notification.Status.SENT:
                break
            time.sleep(0.25)
    log = (tmp_path / "worker.log").read_text()
    assert status == Notification.Status.SENT, f"worker exit code {worker.poll()}; its log:\n{log[-3000:]}"
    assert "Ontvangstbewijs" in log  # the console backend printed the message in the worker
