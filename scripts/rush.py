"""`make rush`: the last ten minutes before a deadline, under real load (issue 13).

1. prepare: a fresh PostgreSQL database (oproep_rush), an open call whose deadline falls
   DEADLINE seconds after the load starts, N applicants each with a draft that is complete
   except its project plan, one staff member and one reviewer, all logged in through the
   session store;
2. start two gunicorn processes (RUSH_PORT and RUSH_PORT+1, two workers each), a Celery worker
   and nothing else: PostgreSQL and Redis must answer on 127.0.0.1 (Redis database RUSH_REDIS_DB);
   sessions live in the database and Redis, uploads in one shared private media folder, e-mail
   goes to files;
3. run Locust headless (scripts/rush_locustfile.py) for RUN_TIME seconds at most, restarting the
   Celery worker halfway. All users arrive in the first minute; each applicant then works on its
   draft in real time until its own submit moment (PROFILE below), most of them in the last
   minutes before the deadline and every tenth a few seconds after it;
4. let the worker drain the outbox, stop everything, check the database (scripts/rush_verify.py)
   and write the report to docs/rush-<date>.md (rush-<date>-<hhmm>.md for a later run that day).

Everything listens on 127.0.0.1 only; the number of users and the run time are bounded.
Options by environment: RUSH_APPLICANTS (300), RUSH_DEADLINE (600 s), RUSH_RUN_TIME (deadline + 60 s),
RUSH_SPAWN_RATE (all users in 60 s), RUSH_PORT (8152), RUSH_REDIS_DB (7).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable
APPLICANTS = int(os.environ.get("RUSH_APPLICANTS", "300"))
DEADLINE = int(os.environ.get("RUSH_DEADLINE", "600"))
RUN_TIME = int(os.environ.get("RUSH_RUN_TIME", str(DEADLINE + 60)))
USERS = APPLICANTS + 10  # and 5 staff members and 5 reviewers
SPAWN_RATE = float(os.environ.get("RUSH_SPAWN_RATE", str(USERS / 60)))
# How applicants spend the last minutes (seconds; read by the locustfile through the plan): an
# autosave every 20–40 s; a submit at the deadline minus an exponential delay with this mean,
# not earlier than first_submit after the start; every late_every-th applicant late_by after it.
PROFILE = {
    "autosave_every": [20, 40],
    "submit_mean_before": 150,
    "first_submit": 60,
    "late_every": 10,
    "late_by": [1, 30],
}
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
    # The deadline falls DEADLINE seconds after the load starts: fix both a few seconds ahead, so
    # that storing the deadline does not eat into the time before it.
    closes_at = datetime.fromtimestamp(time.time() + 5 + DEADLINE, UTC).replace(microsecond=0)
    deadline = closes_at.timestamp()
    started = deadline - DEADLINE
    subprocess.run(
        [PY, "-c", "import django,sys; django.setup(); from calls.models import Call; "
         "from datetime import datetime; Call.objects.filter(slug='rush').update(closes_at=datetime.fromisoformat(sys.argv[1]))",
         closes_at.isoformat()],
        cwd=BASE, env=env, check=True,
    )  # fmt: skip
    plan.update(deadline=deadline, started=started, run_end=started + RUN_TIME, profile=PROFILE)
    plan_file, results_file = WORK / "plan.json", WORK / "submits.jsonl"
    plan_file.write_text(json.dumps(plan))
    results_file.write_text("")
    locust_env = {**env, "RUSH_HOSTS": ",".join(hosts), "RUSH_PLAN": str(plan_file), "RUSH_OUT": str(results_file)}
    print(f"Load: {APPLICANTS} applicants + 10 staff/reviewers, deadline {closes_at:%H:%M:%S} UTC", flush=True)
    load_before = _load_average()
    time.sleep(max(0.0, started - time.time()))
    locust = start(
        [PY, "-m", "locust", "-f", "scripts/rush_locustfile.py", "--headless", "-u", str(USERS), "-r", str(SPAWN_RATE),
         "--run-time", f"{RUN_TIME}s", "--stop-timeout", "30", "--csv", str(WORK / "locust"), "--csv-full-history",
         "--only-summary"],
        locust_env, log,
    )  # fmt: skip
    time.sleep(max(0.0, started + RUN_TIME / 2 - time.time()))
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
    records = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
    report(plan, records, checks, restarted_at, closes_at, load_before)


# Where the submits fell, in seconds relative to the deadline.
SUBMIT_WINDOWS = [
    ("more than 5 min before the deadline", -float("inf"), -300),
    ("5–2 min before", -300, -120),
    ("2–1 min before", -120, -60),
    ("in the last minute", -60, 0),
    ("after the deadline", 0, float("inf")),
]


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _stats() -> list[dict]:
    with open(WORK / "locust_stats.csv") as f:
        return list(csv.DictReader(f))


def _peaks() -> dict[str, float]:
    """Each action's highest rate: Locust samples a 10 s moving average of requests per second."""
    peaks = {}
    with open(WORK / "locust_stats_history.csv") as f:
        for row in csv.DictReader(f):
            peaks[row["Name"]] = max(peaks.get(row["Name"], 0.0), float(row["Requests/s"]))
    return peaks


def _span(seconds: list[float]) -> str:
    if not seconds:
        return "never"
    seconds = sorted(seconds)
    return f"between {seconds[0]:.0f} and {seconds[-1]:.0f} s (median {seconds[len(seconds) // 2]:.0f} s)"


def _profile(plan, records, closes_at) -> list[str]:
    """The profile as the applicants lived it, from what each recorded."""
    started, deadline, profile = plan["started"], plan["deadline"], plan["profile"]
    opened = [r["opened"] - started for r in records if "opened" in r]
    uploaded = [r["uploaded"] - started for r in records if "uploaded" in r]
    autosaves = sum(r.get("autosaves", 0) for r in records)
    submits = [r["submit_started"] - deadline for r in records if "submit_started" in r]
    spread = "; ".join(f"{label}: {sum(low <= s < high for s in submits)}" for label, low, high in SUBMIT_WINDOWS)
    every, late_by = profile["autosave_every"], profile["late_by"]
    return [
        f"- arrival: users were started at {SPAWN_RATE:.1f} per second, staff and reviewers first; the applicants "
        f"opened their drafts {_span(opened)} after the load started;",
        f"- autosave: each applicant autosaved its general section every {every[0]}–{every[1]} s until its submit "
        f"moment: {autosaves} autosaves in all, {autosaves / max(len(records), 1):.1f} per applicant;",
        "- upload: each applicant uploaded its 2 MB PDF once, at a random moment between opening its draft and 5 s "
        f"before its submit moment, then reopened the draft: {_span(uploaded)} after the load started;",
        "- submit: at its own moment each applicant opened the review page, submitted and, when accepted, downloaded "
        f"the receipt. The moments are the deadline minus an exponential delay (mean {profile['submit_mean_before']} "
        f"s), none earlier than {profile['first_submit']} s after the start; one applicant in "
        f"{profile['late_every']} tried {late_by[0]}–{late_by[1]} s after the deadline on purpose. "
        f"Submits started: {spread};",
        f"- deadline: {closes_at:%H:%M:%S} UTC, {DEADLINE} s after the load started; the run lasted at most "
        f"{RUN_TIME} s.",
    ]


def report(plan, records, checks, restarted_at, closes_at, load_before):
    date = datetime.now(UTC)
    lines = [
        f"# Deadline rush, {date:%d %B %Y %H:%M} UTC",
        "",
        f"`make rush` (scripts/rush.py), in real time: {APPLICANTS} simulated applicants with prepared drafts plus "
        "5 staff members and 5 reviewers browsing (a page every 1–3 s each), against two gunicorn processes (two "
        "workers each; every request goes to one of them at random), one Celery worker (restarted "
        f"{restarted_at:.0f} s into the run), PostgreSQL and Redis, all on 127.0.0.1 of this {os.cpu_count()}-core "
        "machine.",
        "",
        *_profile(plan, records, closes_at),
        "",
        f"Load average (1, 5, 15 min) before the load: {load_before}; after the run: {_load_average()}.",
        "",
        "| action | requests | failures | p50 ms | p95 ms | p99 ms | req/s | peak req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    peaks = _peaks()
    for row in _stats():
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Requests/s']):.1f} | {peaks.get(row['Name'], 0.0):.1f} |"
        )
    lines += [
        "",
        "req/s is the mean over the whole run; peak req/s the highest 10 s moving average Locust sampled.",
        "",
        "## Checked in the database afterwards",
        "",
    ]
    for name, value in checks.items():
        lines.append(f"- {name}: {value}")
    text = "\n".join(lines) + "\n"
    path = BASE / "docs" / f"rush-{date:%Y-%m-%d}.md"
    if path.exists():  # another run the same day: keep it, this one gets the time too
        path = BASE / "docs" / f"rush-{date:%Y-%m-%d-%H%M}.md"
    path.write_text(text)
    print(text)
    print(f"Saved to {path.relative_to(BASE)}.")


if __name__ == "__main__":
    main()
