#!/usr/bin/env bash
# Extract translatable strings: one catalogue per app (<app>/locale) and one for the project
# (locale/: templates/ and portal/). Then fill in the Dutch msgstr of new entries and compile.
# Runs makemessages from Python after django.setup() in the repository root: started from
# inside an app folder, Python would import the app's rules.py/selectors.py instead of the
# `rules` and `selectors` modules.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python - <<'PYEOF'
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings_messages"
django.setup()
from django.core.management import call_command

root = os.getcwd()
apps = ["accounts", "calls", "applications", "reviews", "grants"]
for app in apps:
    os.makedirs(os.path.join(root, app, "locale"), exist_ok=True)
    os.chdir(os.path.join(root, app))
    call_command("makemessages", locale=["nl", "en"], no_obsolete=True, ignore_patterns=["tests/*"], verbosity=0)
os.chdir(root)
ignore = [f"{app}/*" for app in apps] + [".venv/*", "var/*", "static/*", "node_modules/*", "*/tests/*"]
call_command("makemessages", locale=["nl", "en"], no_obsolete=True, ignore_patterns=ignore, verbosity=0)
call_command("compile_catalogues")
PYEOF
