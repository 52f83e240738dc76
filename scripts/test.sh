#!/usr/bin/env bash
# `make test`: install what the suite needs, then lint, check migrations and run pytest.
# Uses PostgreSQL and Redis when they answer on 127.0.0.1 (or DATABASE_URL / TEST_REDIS_URL
# say where); without them it falls back to SQLite and skips only the tests that need them.
# With CI=true both are required: they are started when they do not answer, or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
CI=${CI:-false}
is_ci() { [[ "${CI,,}" == "true" || "$CI" == "1" ]]; }

# --- Python environment -------------------------------------------------------------------
make --no-print-directory install-dev PYTHON="$PYTHON" >/dev/null
PY=.venv/bin/python

# --- Services -----------------------------------------------------------------------------
pg_answers() { $PY - <<'PYEOF' 2>/dev/null
import psycopg2, sys
try:
    psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2).close()
except Exception:
    sys.exit(1)
PYEOF
}
redis_answers() { $PY -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=1).ping()" 2>/dev/null; }

if [[ -z "${DATABASE_URL:-}" ]]; then
  if ! pg_answers && is_ci; then
    echo "CI: PostgreSQL does not answer on 127.0.0.1:5432; starting it." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
  fi
  if pg_answers; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/oproep"
    $PY - <<'PYEOF' || true
import psycopg2
conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT 1 FROM pg_database WHERE datname = 'oproep'")
if not cur.fetchone():
    cur.execute("CREATE DATABASE oproep")
PYEOF
  elif is_ci; then
    echo "CI: PostgreSQL is required and could not be started." >&2; exit 1
  else
    echo "WARNING: no PostgreSQL on 127.0.0.1:5432; running on SQLite and skipping the tests marked 'postgres'." >&2
    export DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3"
  fi
fi

if [[ -z "${TEST_REDIS_URL:-}" ]]; then
  if ! redis_answers && is_ci; then
    echo "CI: Redis does not answer on 127.0.0.1:6379; starting it." >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 20); do redis_answers && break; sleep 0.5; done
  fi
  if redis_answers; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  elif is_ci; then
    echo "CI: Redis is required and could not be started." >&2; exit 1
  else
    echo "WARNING: no Redis on 127.0.0.1:6379; skipping the tests marked 'redis' and 'worker'." >&2
  fi
fi

# --- Browser (Debian's Chromium; Playwright never downloads one) ---------------------------
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests." >&2
    (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }) \
      || { is_ci && { echo "CI: could not install chromium." >&2; exit 1; }; echo "WARNING: no chromium; browser tests are skipped." >&2; }
  elif is_ci; then
    echo "CI: /usr/bin/chromium is required for the browser tests." >&2; exit 1
  else
    echo "WARNING: no /usr/bin/chromium; browser tests are skipped." >&2
  fi
fi

# --- Checks and tests ---------------------------------------------------------------------
export DJANGO_SETTINGS_MODULE=portal.settings_test
echo "== ruff"; .venv/bin/ruff check .
echo "== migrations"; $PY manage.py makemigrations --check --dry-run
echo "== catalogues"; $PY manage.py compile_catalogues
echo "== pytest (database: ${DATABASE_URL%%:*}, redis: ${TEST_REDIS_URL:-none})"
WORKERS=${PYTEST_WORKERS:-auto}
exec $PY -m pytest -n "$WORKERS" --dist loadgroup "$@"
