"""Upgrades: the migrations run on a database full of data, not only on an empty one.

In a database created for the test: migrate, load the full demo data (`seed_calls --demo`: both
calls, the demo copies, users, organisations, applications in every state with files, reviews,
decisions), count the rows of every table, take every app back to its first migration (so each
later migration is undone on real rows), migrate forward to the latest again, and count again:
no error in either direction, and every table of the first schema has exactly the rows it had.
(Tables that later migrations created are dropped by undoing them: that is what going back
means, so they are only checked to exist again. Demo data cannot be loaded into the first
schema itself, because the seed is written against today's models.) Real processes (`manage.py`), so the
migrations run as they do in a deployment."""

import os
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Every app of the project, most downstream first (the order in which they are taken back).
PROJECT_APPS = ["grants", "reviews", "applications", "calls", "accounts", "portal"]
BACK_TO_FIRST = "from django.core.management import call_command\n" + "".join(
    f"call_command('migrate', '{app}', '0001', interactive=False, verbosity=0)\n" for app in PROJECT_APPS
)


def _server_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def _connect(name):
    db = connection.settings_dict
    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=name,
    )  # fmt: skip
    conn.autocommit = True
    return conn


def _row_counts(name) -> dict[str, int]:
    conn = _connect(name)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall() if row[0] != "django_migrations"]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts
    finally:
        conn.close()


@pytest.fixture
def migrated_database():
    """A copy of this worker's test database (migrated to the latest, no rows): PostgreSQL copies
    it as a template in a second, where migrating an empty database takes fifteen."""
    template = connection.settings_dict["NAME"]  # this worker's test database
    name = f"{template}_upgrade_{uuid.uuid4().hex[:8]}"
    admin = _connect("postgres")
    connection.close()  # a template must have no open connections
    # Nor any left by earlier tests of this worker (a live server's thread, a real web process
    # that ran against it): this worker runs nothing else meanwhile, so none is in use.
    admin.cursor().execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [template],
    )
    admin.cursor().execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_the_demo_data_survives_migrating_from_the_first_migration_to_the_latest(migrated_database, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "AWS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_DEBUG="true", REDIS_URL="",
        DATABASE_URL=_server_url() + f"/{migrated_database}", PRIVATE_MEDIA_ROOT=str(tmp_path),
    )  # fmt: skip

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
        return result.stdout

    manage("seed_calls", "--demo")
    before = _row_counts(migrated_database)
    assert before["applications_application"] > 0 and before["calls_call"] > 0
    assert before["applications_attachment"] > 0 and before["accounts_user"] > 0

    # One process for all apps (starting Django once per app costs seconds each).
    manage("shell", "-c", BACK_TO_FIRST)
    at_first = _row_counts(migrated_database)
    assert "[ ]" in manage("showmigrations", *PROJECT_APPS, "--plan")  # later migrations really were undone
    # A table a later migration created is dropped when that migration is undone (and comes
    # back empty); every table of the first schema keeps its rows through both directions.
    assert set(at_first) < set(before)
    assert at_first == {table: before[table] for table in at_first}
    manage("migrate", "--noinput")

    assert "[ ]" not in manage("showmigrations", "--plan")
    after = _row_counts(migrated_database)
    assert set(after) == set(before)
    assert {table: after[table] for table in at_first} == at_first
