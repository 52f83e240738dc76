#!/usr/bin/env bash
# `make restore BACKUP_DIR=…`: restore a backup into an EMPTY database (DATABASE_URL) and an
# empty storage; refuses otherwise, and checks every checksum before touching anything.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BACKUP_DIR:?set BACKUP_DIR to the backup folder}"
source scripts/pg_client.sh
PY=${PY:-.venv/bin/python}
exec $PY manage.py restore "$BACKUP_DIR"
