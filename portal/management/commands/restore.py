"""`make restore`: bring a backup back into an empty database and storage (portal/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and an empty storage, checking every checksum."

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder (with SHA256SUMS).")

    def handle(self, *args, source, **options):
        try:
            result = backup.restore(Path(source))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored from {source}: {result}")
