#!/usr/bin/env bash
# Extract translatable strings: one catalogue per app (<app>/locale) and one for the project
# (locale/: templates/ and portal/). Then fill in the Dutch msgstr of new entries.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(pwd)/.venv/bin/python
for app in accounts calls applications reviews; do
  mkdir -p "$app/locale"
  (cd "$app" && DJANGO_SETTINGS_MODULE=portal.settings_messages PYTHONPATH=.. $PY ../manage.py makemessages -l nl -l en --no-obsolete --ignore 'tests/*')
done
DJANGO_DEBUG=true $PY manage.py makemessages -l nl -l en --no-obsolete \
  --ignore '.venv/*' --ignore 'var/*' --ignore 'static/*' --ignore 'node_modules/*' \
  --ignore 'accounts/*' --ignore 'calls/*' --ignore 'applications/*' --ignore 'reviews/*' --ignore '*/tests/*'
$PY manage.py compile_catalogues 2>/dev/null || DJANGO_DEBUG=true $PY manage.py compile_catalogues
