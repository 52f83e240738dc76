"""Apply the retention periods now, or with --dry-run list what a run would remove."""

import json

from django.core.management.base import BaseCommand

from reviews import retention


class Command(BaseCommand):
    help = "Remove the personal data of applications whose retention period has ended (--dry-run: only list them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        items = retention.plan() if dry_run else retention.apply()
        for item in items:
            self.stdout.write(json.dumps(item.as_dict(), ensure_ascii=False))
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stderr.write(f"{len(items)} applications {verb}.")
