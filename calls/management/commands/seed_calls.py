from django.core.management.base import BaseCommand, CommandError

from calls.seed import DemoRefused, seed_calls


class Command(BaseCommand):
    help = "Create or update the two real calls (idempotent); --demo adds open copies and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also create open demo calls and demo accounts.")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Create demo accounts even with DEBUG off (never on a production database).",
        )

    def handle(self, *args, demo=False, allow_without_debug=False, **options):
        try:
            seed_calls(demo=demo, stdout=self.stdout, allow_without_debug=allow_without_debug)
        except DemoRefused as exc:
            raise CommandError(str(exc))
