"""`make backup`: a consistent backup of the database and the private files (portal/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import backup


class Command(BaseCommand):
    help = "Write a consistent backup (pg_dump -Fc, files, files.json, SHA256SUMS) into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="Folder to create (default var/backups/<timestamp>).")
        parser.add_argument("--keys-only", action="store_true", help="List object-storage keys; copy no files.")

    def handle(self, *args, target=None, keys_only=False, **options):
        from django.conf import settings

        folder = Path(target or settings.VAR_DIR / "backups" / timezone.now().strftime("%Y%m%d-%H%M%S"))
        try:
            result = backup.backup(folder, keys_only=keys_only)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {folder}: {result}")
        if result["missing"]:
            raise CommandError(f"{result['missing']} referenced files were missing from the storage (see files.json).")
