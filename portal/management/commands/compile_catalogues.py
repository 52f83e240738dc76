"""Compile every .po catalogue of the project into .mo with polib: unlike `compilemessages`,
this needs no GNU gettext on the machine (`make run` needs nothing but Python)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", "var", ".git"}


def catalogues(base: Path = settings.BASE_DIR):
    for path in sorted(base.rglob("locale/*/LC_MESSAGES/*.po")):
        if not SKIP.intersection(path.relative_to(base).parts):
            yield path


class Command(BaseCommand):
    help = "Compile the project's message catalogues (.po → .mo)."

    def handle(self, *args, **options):
        count = 0
        for po_path in catalogues():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        self.stdout.write(f"Compiled {count} catalogue(s).")
