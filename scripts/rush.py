"""`make rush`: the last minutes before a deadline, under real load (issue 13).

1. prepare: a fresh PostgreSQL database (oproep_rush), an open call whose deadline falls
   DEADLINE seconds after the load starts (time is compressed: the "last ten minutes" are a few
   minutes here), N applicants each with a draft that is complete except its project plan,
   one staff member and one reviewer, all logged in through the session store;
2. start two gunicorn processes (RUSH_PORT and RUSH_PORT+1, two workers each), a Celery worker
   and nothing else: PostgreSQL and Redis must answer on 127.0.0.1 (Redis database RUSH_REDIS_DB);
   sessions live in the database and Redis, uploads in one shared private media folder, e-mail
   goes to files;
3. run Locust headless (scripts/rush_locustfile.py) for RUN_TIME seconds at most, restarting the
   Celery worker halfway;
4. let the worker drain the outbox, stop everything, check the database (scripts/rush_verify.py)
   and write the report to docs/rush-<date>.md.

Everything listens on 127.0.0.1 only; the number of users and the run time are bounded.
Options by environment: RUSH_APPLICANTS (300), RUSH_DEADLINE (120 s), RUSH_RUN_TIME (240 s),
RUSH_SPAWN_RATE (2 per second: the last applicants arrive after the deadline), RUSH_PORT (8152), RUSH_REDIS_DB (7).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable
APPLICANTS = int(os.environ.get("RUSH_APPLICANTS", "300"))
DEADLINE = int(os.environ.get("RUSH_DEADLINE", "120"))
RUN_TIME = int(os.environ.get("RUSH_RUN_TIME", "240"))
SPAWN_RATE = float(os.environ.get("RUSH_SPAWN_RATE", "2"))
PORT = int(os.environ.get("RUSH_PORT", "8152"))
REDIS_DB = os.environ.get("RUSH_REDIS_DB", "7")
WORK = BASE / "var" / "rush"
DATABASE = os.environ.get("RUSH_DATABASE", "oproep_rush")


def environment() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="rush-only-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_STATIC_MANIFEST="false",
        REQUIRE_STAFF_MFA="false",
        LOG_LEVEL="WARNING",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        PRIVATE_MEDIA_ROOT=str(WORK / "private"),
        MEDIA_ROOT=str(WORK / "media"),
        EMAIL_URL=f"filemail:///{WORK / 'mail'}",  # dj-email-url drops one slash of the path
        SITE_URL=f"http://127.0.0.1:{PORT}",
    )
    return env


def fresh_database() -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    cur.execute(f'CREATE DATABASE "{DATABASE}"')
    conn.close()


PREPARE = r"""
import json, sys, time
from datetime import timedelta
from decimal import Decimal
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from accounts.models import OrganisationKind
from accounts.tests.factories import MembershipFactory, UserFactory
from applications import services
from applications.tests.conftest import make_complete
from applications.tests.factories import ApplicationFactory
from calls.models import CallRole, RuleKind
from calls.tests.factories import CallFactory, EligibilityRuleFactory, ObjectiveFactory, QuestionFactory, RequiredDocumentFactory
import redis

n, deadline_in = int(sys.argv[1]), int(sys.argv[2])
redis.Redis.from_url(settings.REDIS_URL).flushdb()
SessionStore = import_string(settings.SESSION_ENGINE + ".SessionStore")

def session(user):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key

call = CallFactory(slug="rush", reference_prefix="RUS", summary_max_chars=500, closes_at=timezone.now() + timedelta(days=1))
objective = ObjectiveFactory(call=call, number=1)
QuestionFactory(call=call, kind="long_text", max_chars=300, required=True, text_nl="Welk probleem?")
QuestionFactory(call=call, kind="choice", max_chars=None, required=True, text_nl="Welke output?", choices_nl="Tool\nRapport")
document = RequiredDocumentFactory(call=call, allowed_formats=["pdf"], max_size_mb=5)
EligibilityRuleFactory(call=call, kind=RuleKind.LEAD_KINDS, number=None,
    org_kinds=[OrganisationKind.NEWS_MEDIA, OrganisationKind.RESEARCH, OrganisationKind.MEDIA_LITERACY])
EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, number=2)
EligibilityRuleFactory(call=call, kind=RuleKind.PARTNERS_OF_KIND, number=1, org_kind=OrganisationKind.NEWS_MEDIA, count_lead=True)
staff = UserFactory(email="rush-staff@example.org")
CallRole.objects.create(call=call, user=staff, role=CallRole.Role.MANAGER)
reviewer = UserFactory(email="rush-reviewer@example.org")
CallRole.objects.create(call=call, user=reviewer, role=CallRole.Role.REVIEWER)
applicants = []
for i in range(n):
    membership = MembershipFactory(role="owner", user=UserFactory(email=f"rush-applicant{i}@example.org"))
    user, user.organisation = membership.user, membership.organisation
    user.organisation.kind = OrganisationKind.RESEARCH
    user.organisation.save()
    draft = ApplicationFactory(call=call, lead_organisation=user.organisation, created_by=user, title=f"Rush {i}",
                               requested_amount=None, start_date=None, end_date=None)
    make_complete(draft, user)
    draft.attachments.all().delete()  # the project plan is uploaded during the rush
    applicants.append({"pk": draft.pk, "session": session(user), "title": draft.title,
                       "objectives": [objective.pk], "document": document.pk})
with translation.override(settings.LANGUAGE_CODE):
    message = translation.gettext("The call closed on %(moment)s (Brussels time); applications can no longer be submitted.")
print(json.dumps({"slug": call.slug, "call": call.pk, "session_cookie": settings.SESSION_COOKIE_NAME,
    "staff_session": session(staff), "reviewer_session": session(reviewer), "applicants": applicants,
    "late_message": message.split("%(moment)s")[-1].strip()[:40]}))
"""


def start(cmd, env, log):
    return subprocess.Popen(cmd, cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process, sig=signal.SIGTERM, timeout=30):
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main():
    env = environment()
    WORK.mkdir(parents=True, exist_ok=True)
    for sub in ("private", "media", "mail"):
        (WORK / sub).mkdir(exist_ok=True)
        for f in (WORK / sub).rglob("*"):
            if f.is_file():
                f.unlink()
    fresh_database()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE, env=env, check=True)
    subprocess.run([PY, "manage.py", "compile_catalogues"], cwd=BASE, env=env, check=True, capture_output=True)
    print(f"Preparing {APPLICANTS} applicants with complete drafts…", flush=True)
    out = subprocess.run(
        [PY, "-c", PREPARE, str(APPLICANTS), str(DEADLINE)],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"Preparing the drafts failed:\n{out.stderr[-3000:]}")
    plan = json.loads(out.stdout.strip().splitlines()[-1])
    log = open(WORK / "processes.log", "w")  # noqa: SIM115
    hosts = [f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT + 1}"]
    gunicorn = lambda port: [  # noqa: E731
        PY, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    webs = [start(gunicorn(PORT), env, log), start(gunicorn(PORT + 1), env, log)]
    worker_cmd = [PY, "-m", "celery", "-A", "portal", "worker", "--concurrency", "2", "--loglevel", "warning"]
    worker = start(worker_cmd, env, log)
    for host in hosts:
        for _ in range(100):
            try:
                urllib.request.urlopen(host + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.3)
    # The deadline falls DEADLINE seconds after the load starts.
    started = time.time()
    deadline = started + DEADLINE
    closes_at = datetime.fromtimestamp(deadline, UTC).replace(microsecond=0) + timedelta(seconds=1)
    deadline = closes_at.timestamp()
    subprocess.run(
        [PY, "-c", "import django,sys; django.setup(); from calls.models import Call; "
         "from datetime import datetime; Call.objects.filter(slug='rush').update(closes_at=datetime.fromisoformat(sys.argv[1]))",
         closes_at.isoformat()],
        cwd=BASE, env=env, check=True,
    )  # fmt: skip
    plan.update(deadline=deadline)
    plan_file, results_file = WORK / "plan.json", WORK / "submits.jsonl"
    plan_file.write_text(json.dumps(plan))
    results_file.write_text("")
    locust_env = {**env, "RUSH_HOSTS": ",".join(hosts), "RUSH_PLAN": str(plan_file), "RUSH_OUT": str(results_file)}
    users = APPLICANTS + 10
    print(f"Load: {APPLICANTS} applicants + 10 staff/reviewers, deadline {closes_at:%H:%M:%S} UTC", flush=True)
    locust = start(
        [PY, "-m", "locust", "-f", "scripts/rush_locustfile.py", "--headless", "-u", str(users), "-r", str(SPAWN_RATE),
         "--run-time", f"{RUN_TIME}s", "--stop-timeout", "30", "--csv", str(WORK / "locust"), "--only-summary"],
        locust_env, log,
    )  # fmt: skip
    time.sleep(min(RUN_TIME, DEADLINE) / 2)
    print("Restarting the Celery worker mid-run…", flush=True)
    stop(worker)
    restarted_at = time.time() - started
    worker = start(worker_cmd, env, log)
    locust.wait(timeout=RUN_TIME + 120)
    time.sleep(15)  # let the worker send what is left in the outbox
    env_check = {**env, "RUSH_PLAN": str(plan_file), "RUSH_OUT": str(results_file)}
    for process in webs:
        stop(process)
    verify = subprocess.run([PY, "scripts/rush_verify.py"], cwd=BASE, env=env_check, capture_output=True, text=True)
    stop(worker)
    log.close()
    checks = json.loads(verify.stdout.strip().splitlines()[-1]) if verify.returncode == 0 else {"error": verify.stderr}
    report(plan, checks, restarted_at, closes_at)


def _stats() -> list[dict]:
    with open(WORK / "locust_stats.csv") as f:
        return list(csv.DictReader(f))


def report(plan, checks, restarted_at, closes_at):
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    date = datetime.now(UTC)
    lines = [
        f"# Deadline rush, {date:%d %B %Y %H:%M} UTC",
        "",
        f"`make rush` (scripts/rush.py): {APPLICANTS} simulated applicants with prepared drafts plus 5 staff members "
        f"and 5 reviewers browsing, against two gunicorn processes (two workers each; every request goes to one of "
        f"them at random), one Celery worker (restarted {restarted_at:.0f} s into the run), PostgreSQL and Redis, "
        f"all on 127.0.0.1 of this {os.cpu_count()}-core machine. Time is compressed: the deadline "
        f"({closes_at:%H:%M:%S} UTC) fell {DEADLINE} s after the load started, users were started at "
        f"{SPAWN_RATE:g} per second, and the run lasted at most {RUN_TIME} s. Load average after the run: {load} "
        "(other processes shared the two cores).",
        "",
        "| action | requests | failures | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in _stats():
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    lines += ["", "## Checked in the database afterwards", ""]
    for name, value in checks.items():
        lines.append(f"- {name}: {value}")
    text = "\n".join(lines) + "\n"
    path = BASE / "docs" / f"rush-{date:%Y-%m-%d}.md"
    path.write_text(text)
    print(text)
    print(f"Saved to {path.relative_to(BASE)}.")


if __name__ == "__main__":
    main()
