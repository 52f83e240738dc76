"""Backup and restore (issue 16; README "Backup and restore").

A backup is a folder:
- `db.dump`: the database in PostgreSQL's custom format (`pg_dump -Fc`);
- `files/<storage>/<name>`: every file a FileField points at (attachments, reconsideration
  files), copied through Django's storage API, so it works on a local folder and on S3 alike;
  with `--keys-only` (object storage with its own versioning or replication) only listed;
- `files.json`: one entry per file: storage, name, size, sha256, and whether it was copied;
- `SHA256SUMS`: a checksum of every file of the backup, checked before anything is restored.

**Consistent**: the database is dumped from an exported snapshot (`pg_export_snapshot()` in a
REPEATABLE READ transaction, `pg_dump --snapshot`), and the list of files is read in that same
snapshot, so the files belong exactly to the dumped rows, however busy the portal is.

**Restore** goes into an empty database and an empty storage only (it refuses otherwise):
checksums first, then `pg_restore --single-transaction --exit-on-error`, then the files, each
checked against its sha256.

`portal` imports no app: the file fields are found through the app registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import connection, models

from .storage import PrivateStorage

CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def _storage_alias(field: models.FileField) -> str:
    return "private" if isinstance(field.storage, PrivateStorage) else "default"


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in apps.get_models()
        if not model._meta.abstract and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and not model.__module__.startswith(("django.", "simple_history"))
        and not model.__name__.startswith("Historical")
    ]  # fmt: skip


def _referenced_files() -> list[tuple[str, str]]:
    names = set()
    for model, field in file_fields():
        for name in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True):
            if name:
                names.add((_storage_alias(field), name))
    return sorted(names)


def sha256_of(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _libpq_env() -> dict:
    db = connection.settings_dict
    env = {**os.environ}
    for key, value in (("PGHOST", db["HOST"]), ("PGPORT", db["PORT"]), ("PGUSER", db["USER"]),
                       ("PGPASSWORD", db["PASSWORD"]), ("PGDATABASE", db["NAME"])):  # fmt: skip
        if value:
            env[key] = str(value)
    return env


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise BackupError("Backup and restore need PostgreSQL (DATABASE_URL=postgres://…).")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client).")


def _write_checksums(target: Path) -> None:
    lines = []
    for path in sorted(p for p in target.rglob("*") if p.is_file() and p.name != "SHA256SUMS"):
        with path.open("rb") as handle:
            digest, _size = sha256_of(handle)
        lines.append(f"{digest}  {path.relative_to(target).as_posix()}\n")
    (target / "SHA256SUMS").write_text("".join(lines))


def verify_checksums(source: Path) -> int:
    sums = source / "SHA256SUMS"
    if not sums.exists():
        raise BackupError(f"{sums} is missing: not a backup, or an incomplete one.")
    count = 0
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        path = source / name
        if not path.exists():
            raise BackupError(f"{name} is listed in SHA256SUMS but missing.")
        with path.open("rb") as handle:
            if sha256_of(handle)[0] != digest:
                raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
        count += 1
    return count


def backup(target: Path, *, keys_only: bool = False) -> dict:
    """Write a consistent backup into `target` (created; must not exist or be empty)."""
    _require_postgres()
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty.")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            subprocess.run(
                ["pg_dump", "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}", "-f", str(target / "db.dump")],
                env=_libpq_env(), check=True, capture_output=True, text=True,
            )  # fmt: skip
            referenced = _referenced_files()
        finally:
            cursor.execute("ROLLBACK")
    entries = []
    for alias, name in referenced:
        storage = storages[alias]
        entry = {"storage": alias, "name": name, "copied": False}
        try:
            with storage.open(name, "rb") as handle:
                if keys_only:
                    entry["sha256"], entry["size"] = sha256_of(handle)
                else:
                    path = target / "files" / alias / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("wb") as out:
                        digest, size = hashlib.sha256(), 0
                        for chunk in iter(lambda: handle.read(CHUNK), b""):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    entry.update(sha256=digest.hexdigest(), size=size, copied=True)
        except FileNotFoundError:
            entry["missing"] = True
        entries.append(entry)
    (target / "files.json").write_text(json.dumps(entries, indent=1))
    _write_checksums(target)
    return {
        "files": len(entries),
        "missing": sum(1 for e in entries if e.get("missing")),
        "dump_bytes": (target / "db.dump").stat().st_size,
    }


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        return cursor.fetchone()[0] == 0


def restore(source: Path) -> dict:
    """Bring a backup back into an empty database and storage; every file checked."""
    _require_postgres()
    verify_checksums(source)
    if not _database_is_empty():
        raise BackupError("The database is not empty; restore only into a new, empty database.")
    entries = json.loads((source / "files.json").read_text())
    for entry in entries:
        if entry["copied"] and storages[entry["storage"]].exists(entry["name"]):
            raise BackupError(f"The storage already holds {entry['name']}; restore into an empty storage.")
    connection.close()
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
         "-d", connection.settings_dict["NAME"], str(source / "db.dump")],
        env=_libpq_env(), capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    restored = 0
    for entry in entries:
        if not entry["copied"]:
            continue
        storage = storages[entry["storage"]]
        with (source / "files" / entry["storage"] / entry["name"]).open("rb") as handle:
            saved = storage.save(entry["name"], File(handle))
        if saved != entry["name"]:
            raise BackupError(f"The storage renamed {entry['name']} to {saved}.")
        with storage.open(saved, "rb") as handle:
            if sha256_of(handle)[0] != entry["sha256"]:
                raise BackupError(f"{entry['name']} was not restored intact.")
        restored += 1
    return {"files": restored, "listed_only": sum(1 for e in entries if not e["copied"])}
