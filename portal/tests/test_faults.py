"""Restarts and faults, with real processes: a gunicorn web process whose database connection
is cut, and a Celery worker killed while it sends an e-mail."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, transaction

from portal import notifications
from portal.models import Notification
from portal.tests.test_notifications import celery_broker
from portal.tests.test_worker import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def _env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true", "DATABASE_URL": database_url()})
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _admin_connection():
    db = connection.settings_dict
    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )  # fmt: skip
    conn.autocommit = True
    return conn


@pytest.mark.postgres
def test_a_request_after_the_database_dropped_the_connection_succeeds_without_restarting_the_web_process(
    tmp_path,
):
    """What a PostgreSQL restart does to a live web process is close its persistent connection
    from the server side. The machine's PostgreSQL is shared with other work, so instead of
    restarting the cluster this test terminates the web process's backend with
    `pg_terminate_backend(pid)` from another connection: the same broken socket a restart
    leaves. The next request must succeed (CONN_HEALTH_CHECKS reconnects), and the gunicorn
    worker must be the same process as before."""
    port = _free_port()
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--timeout", "30"],
        cwd=settings.BASE_DIR, env=_env(DATABASE_URL=database_url() + "?application_name=oproep-fault-test"),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    admin = _admin_connection()
    try:

        def get(path: str):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.headers.get("X-Request-ID"), response.read()

        deadline = time.monotonic() + 30
        while True:
            try:
                assert get("/readyz")[0] == 200
                break
            except (OSError, AssertionError):
                if time.monotonic() > deadline or web.poll() is not None:
                    raise AssertionError((tmp_path / "web.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        cursor = admin.cursor()
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'oproep-fault-test' AND datname = current_database()"
        )
        backends = [row[0] for row in cursor.fetchall()]
        assert backends, "the web process keeps no persistent connection (CONN_MAX_AGE)"
        for pid in backends:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

        status, _id, body = get("/readyz")
        assert status == 200 and b'"database": "ok"' in body
        assert get("/calls/")[0] == 200
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'oproep-fault-test'")
        assert cursor.fetchone()[0] >= 1  # reconnected
        assert web.poll() is None  # the same web process, never restarted
    finally:
        admin.close()
        _stop(web)
        log.close()


def _start_worker(redis_url: str, mail_dir: Path, log_path: Path) -> subprocess.Popen:
    env = _env(
        DJANGO_SETTINGS_MODULE="portal.testing.worker_settings",
        REDIS_URL=redis_url,
        TEST_MAIL_DIR=str(mail_dir),
        CELERY_VISIBILITY_TIMEOUT="3",  # the killed worker's task comes back after 3 s, not an hour
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo", "--without-heartbeat",
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=log_path.open("a"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait(condition, seconds: float, what: str, log_path: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


@pytest.mark.worker
def test_a_worker_killed_while_sending_leaves_the_email_to_be_sent_exactly_once_after_restart(
    user, redis_url, tmp_path
):
    """The e-mail task is acknowledged only after it ran (acks_late): SIGKILL during the SMTP
    conversation leaves the task in Redis and the notification pending (its row lock dies with
    the connection); the restarted worker sends it, once."""
    import redis

    redis.Redis.from_url(redis_url).delete("celery", "unacked", "unacked_index")  # a clean queue
    mail_dir, log_path = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    (mail_dir / "hold").touch()
    first = _start_worker(redis_url, mail_dir, log_path)
    second = None
    try:
        with celery_broker(redis_url), transaction.atomic():
            notification = notifications.notify(user, subject="Ontvangstbewijs DES-2026-0001", body="Ontvangen.")
        _wait(lambda: any(mail_dir.glob("sending-*")), 60, "the worker to start sending", log_path)

        first.send_signal(signal.SIGKILL)  # mid-send: the SMTP conversation never finished
        first.wait(timeout=10)
        status = Notification.objects.values_list("status", flat=True).get(pk=notification.pk)
        assert status == Notification.Status.PENDING and not list(mail_dir.glob("mail-*"))

        (mail_dir / "hold").unlink()
        # A worker starting up puts back the tasks that dead workers took longer than the
        # visibility timeout ago (3 s here; an hour in production, where `flush_outbox` sends
        # the e-mail within two minutes anyway and the late redelivery then finds it sent).
        time.sleep(3.5)
        second = _start_worker(redis_url, mail_dir, log_path)
        _wait(
            lambda: Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENT).exists(),
            60, "the restarted worker to send the e-mail", log_path,
        )  # fmt: skip
        time.sleep(4)  # longer than the visibility timeout: a duplicate delivery would show now
        mails = list(mail_dir.glob("mail-*"))
        assert len(mails) == 1 and b"Ontvangstbewijs DES-2026-0001" in mails[0].read_bytes()
        assert Notification.objects.get(pk=notification.pk).attempts == 1
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
