"""`make backup` and `make restore` on real PostgreSQL: the full demo data plus generated
applications with attachments, backed up by scripts/backup.sh, restored by scripts/restore.sh
into a database and a storage created for the test, then compared: every submitted
application's content hash and every attachment's sha256, all equal, none missing."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import OrganisationFactory
from applications import content
from applications.models import Application, Attachment
from applications.tests.factories import ApplicationFactory, PartnerFactory
from calls.seed import seed_calls
from portal.tests.test_worker import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HASHES = """
import hashlib, json
from applications import content
from applications.models import Application, Attachment
apps = {a.reference: content.content_hash(a) for a in Application.objects.submitted().order_by("pk")}
files = {}
for a in Attachment.objects.order_by("pk"):
    with a.file.open("rb") as handle:
        files[str(a.uuid)] = hashlib.sha256(handle.read()).hexdigest()
print(json.dumps({"applications": apps, "attachments": files}))
"""


def _env(database: str, private: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_DEBUG="true", DATABASE_URL=database,
        PRIVATE_MEDIA_ROOT=str(private), REDIS_URL="", PY=sys.executable,
    )  # fmt: skip
    return env


def _run(args, env):
    result = subprocess.run(args, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def fresh_database():
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    admin = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres",
    )  # fmt: skip
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def generated_applications(count: int) -> None:
    call = seed_calls(demo=True, allow_without_debug=True)["calls"]
    call = next(iter(call.values()))
    for n in range(count):
        application = ApplicationFactory(
            call=call, lead_organisation=OrganisationFactory(), status="submitted",
            reference=f"GEN-2026-{n:04d}", submitted_at=timezone.now(), summary=f"Gegenereerd {n} – ü ✓",
        )  # fmt: skip
        PartnerFactory(application=application, contact_email=f"partner{n}@example.org")
        for k in range(2):
            data = os.urandom(2048 + n * 100 + k)
            attachment = Attachment(
                application=application, uuid=uuid.uuid4(), original_name=f"bijlage-{n}-{k}.pdf",
                content_type="application/pdf", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            )  # fmt: skip
            attachment.file.save("upload", ContentFile(data), save=False)
            attachment.save()


def test_a_backup_restored_into_a_fresh_database_and_storage_has_every_application_and_file(fresh_database, tmp_path):
    generated_applications(12)
    before = {
        "applications": {a.reference: content.content_hash(a) for a in Application.objects.submitted().order_by("pk")},
        "attachments": {},
    }
    for attachment in Attachment.objects.order_by("pk"):
        with attachment.file.open("rb") as handle:
            before["attachments"][str(attachment.uuid)] = hashlib.sha256(handle.read()).hexdigest()
    assert len(before["applications"]) >= 12 and len(before["attachments"]) >= 24

    backup = tmp_path / "backup"
    _run(
        ["bash", "scripts/backup.sh"], {**_env(database_url(), settings.PRIVATE_MEDIA_ROOT), "BACKUP_DIR": str(backup)}
    )
    assert (backup / "db.dump").read_bytes()[:5] == b"PGDMP"  # PostgreSQL's custom format
    manifest = json.loads((backup / "files.json").read_text())
    assert len(manifest) == len(before["attachments"]) and all(entry["copied"] for entry in manifest)

    restored_files = tmp_path / "restored-private"
    env = {**_env(fresh_database, restored_files), "BACKUP_DIR": str(backup)}
    _run(["bash", "scripts/restore.sh"], env)

    after = json.loads(_run([sys.executable, "manage.py", "shell", "-c", HASHES], env).strip().splitlines()[-1])
    assert after == before

    # A second restore into the now populated database is refused, and a damaged backup too.
    refused = subprocess.run(["bash", "scripts/restore.sh"], cwd=settings.BASE_DIR, env=env, capture_output=True)
    assert refused.returncode != 0 and b"not empty" in refused.stderr
    with (backup / "db.dump").open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00damaged\x00")
    damaged = subprocess.run(["bash", "scripts/restore.sh"], cwd=settings.BASE_DIR, env=env, capture_output=True)
    assert damaged.returncode != 0 and b"checksum" in damaged.stderr
