#!/usr/bin/env bash
# `make backup [BACKUP_DIR=…]`: a consistent backup of the database (pg_dump -Fc) and the private
# files, with files.json and SHA256SUMS. Reads DATABASE_URL and the storage settings like the
# portal does. See README, "Backup and restore".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg_client.sh
PY=${PY:-.venv/bin/python}
exec $PY manage.py backup ${BACKUP_DIR:+"$BACKUP_DIR"} ${BACKUP_KEYS_ONLY:+--keys-only}
