#!/usr/bin/env bash
# `make bench`: generate a large data set, serve it with gunicorn, and measure page latency
# under concurrency (scripts/bench.py). Uses PostgreSQL on 127.0.0.1 (database oproep_bench)
# when it answers, else a SQLite file under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
APPLICATIONS=${BENCH_APPLICATIONS:-10000}

if $PY -c "import psycopg2; psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=2).close()" 2>/dev/null; then
  $PY - <<'PYEOF'
import psycopg2
conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT 1 FROM pg_database WHERE datname = 'oproep_bench'")
if not cur.fetchone():
    cur.execute("CREATE DATABASE oproep_bench")
PYEOF
  export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oproep_bench}
else
  echo "WARNING: no PostgreSQL on 127.0.0.1:5432; benchmarking on SQLite." >&2
  export DATABASE_URL="sqlite:///$(pwd)/var/bench.sqlite3"
fi

export DJANGO_SETTINGS_MODULE=portal.settings DJANGO_DEBUG=false DJANGO_SECRET_KEY=bench-only-secret \
  DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SESSION_COOKIE_SECURE=false \
  DJANGO_CSRF_COOKIE_SECURE=false DJANGO_STATIC_MANIFEST=false REQUIRE_STAFF_MFA=false LOG_LEVEL=WARNING
$PY manage.py migrate --noinput -v0
$PY manage.py compile_catalogues >/dev/null
$PY manage.py seed_calls >/dev/null
echo "Generating $APPLICATIONS applications…"
$PY manage.py generate_demo_data --applications "$APPLICATIONS"
# A call of the realistic size beside it, for the N=1,900 ranking figure (scripts/bench_scale.py).
$PY manage.py generate_demo_data --applications 1900 --slug bench1900 --prefix BES --numbers-from 6000000 >/dev/null
export BENCH_SMALL_SLUG=bench1900
# Measure settled, compact tables: fresh planner statistics, no autovacuum still at work on the
# rows just written, and none of the space the previous run's rows left behind (regenerating
# deletes and inserts every row, so without FULL each run would read tables twice the size).
$PY manage.py shell -c "
from django.db import connection
if connection.vendor == 'postgresql':
    with connection.cursor() as cursor:
        cursor.execute('VACUUM FULL ANALYZE')
"
$PY scripts/bench.py "$@"
# Issue 15: full-text search and the double-funding check on the same data set.
$PY scripts/bench_search.py
