# Sourced by backup.sh and restore.sh: PostgreSQL's client tools (pg_dump, pg_restore), installed
# from Debian when missing, as scripts/test.sh does for chromium.
if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing postgresql-client for pg_dump and pg_restore." >&2
    apt-get install -y -q postgresql-client >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q postgresql-client >/dev/null; }
  else
    echo "pg_dump and pg_restore are needed: install postgresql-client." >&2
    exit 1
  fi
fi
