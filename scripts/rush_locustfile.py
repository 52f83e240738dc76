"""Locust users of `make rush` (scripts/rush.py prepares the data and starts this).

Every applicant takes one prepared draft and opens it, then keeps working on it until its own
submit moment, as people do in the last minutes before a deadline: it autosaves the general
section every 20–40 s, uploads a 2 MB PDF to the required document once at a random moment
(and reopens the draft, as the upload changed its version), and at its submit moment opens the
review page, submits and downloads the receipt; then it stops. Most submit moments fall in the
last minutes before the deadline; every tenth applicant tries a few seconds after it on purpose.
The moments come from the plan's profile and a random generator seeded per applicant, so runs
are comparable. Staff and reviewers browse meanwhile. Each request goes to one of the two
gunicorn processes at random, so the session and the uploads must work whichever answers.
What each applicant did and how its submit was answered is written to RUSH_OUT (one JSON line
per applicant) for the checks in scripts/rush_verify.py and the report.
"""

import hashlib
import json
import math
import os
import random
import re
import threading
import time

from locust import HttpUser, between, task
from locust.exception import StopUser

HOSTS = os.environ["RUSH_HOSTS"].split(",")
PLAN = json.loads(open(os.environ["RUSH_PLAN"]).read())  # noqa: SIM115
PROFILE = PLAN["profile"]
OUT = os.environ["RUSH_OUT"]
_applicants = iter(enumerate(PLAN["applicants"]))
_lock = threading.Lock()
VERSION = re.compile(r'name="version" value="(\d+)"')


def _pdf(seed: str) -> bytes:
    """A 2 MB PDF: a valid minimal document with a large comment, unique per applicant."""
    body = (
        b"%PDF-1.4\n%" + seed.encode() + b"\n%" + b"0" * (2 * 1024 * 1024) + b"\n"
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body


def submit_moment(index: int, rng: random.Random) -> float:
    """When applicant `index` submits (epoch seconds). Every tenth tries 1–30 s after the
    deadline on purpose; the others submit the deadline minus an exponential delay, cut off so
    that nobody submits earlier than the profile's first submit moment (drawn from the cut-off
    distribution rather than clamped, so no burst piles up at that moment)."""
    deadline = PLAN["deadline"]
    if index % PROFILE["late_every"] == PROFILE["late_every"] - 1:
        return deadline + rng.uniform(*PROFILE["late_by"])
    mean = PROFILE["submit_mean_before"]
    window = max(0.0, deadline - (PLAN["started"] + PROFILE["first_submit"]))
    delay = -mean * math.log(1 - rng.random() * (1 - math.exp(-window / mean)))
    return deadline - delay


def wait_until(moment: float) -> bool:
    """Sleeps until `moment` (Locust patches time.sleep for gevent); False if the run ends first."""
    time.sleep(max(0.0, min(moment, PLAN["run_end"]) - time.time()))
    return moment <= PLAN["run_end"]


class _Base(HttpUser):
    abstract = True
    host = HOSTS[0]

    def url(self, path):
        return random.choice(HOSTS) + path

    def login(self, session_key):
        for host in HOSTS:
            self.client.cookies.set(PLAN["session_cookie"], session_key, domain=host.split("//")[1].split(":")[0])

    def csrf(self):
        return self.client.cookies.get("csrftoken", "")


class Applicant(_Base):
    """One applicant's last minutes; the whole visit is one task, after which the user stops."""

    weight = 30

    def on_start(self):
        with _lock:
            self.index, self.plan = next(_applicants, (None, None))
        if self.plan is None:
            raise StopUser()
        self.login(self.plan["session"])
        self.pk = self.plan["pk"]
        self.record = {"pk": self.pk, "autosaves": 0}
        self.version = None

    @task
    def last_minutes(self):
        rng = random.Random(f"rush-{self.index}")
        submit_at = submit_moment(self.index, rng)
        self.record["opened"] = time.time()
        self.open_draft()
        upload_at = rng.uniform(self.record["opened"], max(self.record["opened"], submit_at - 5))
        autosave_at = self.record["opened"] + rng.uniform(*PROFILE["autosave_every"])
        # Whichever comes next: the upload (always before the submit, as upload_at is at most
        # submit_at - 5 or the opening moment), an autosave, or the submit.
        while True:
            if "uploaded" not in self.record and upload_at <= autosave_at:
                if not wait_until(upload_at):
                    break
                self.upload()
                self.open_draft()
            elif autosave_at < submit_at:
                if not wait_until(autosave_at):
                    break
                self.autosave()
                autosave_at += rng.uniform(*PROFILE["autosave_every"])
            else:
                if wait_until(submit_at):
                    self.submit()
                break
        with _lock, open(OUT, "a") as out:
            out.write(json.dumps(self.record) + "\n")
        raise StopUser()

    def open_draft(self):
        page = self.client.get(self.url(f"/applications/{self.pk}/edit/general/"), name="open draft")
        match = VERSION.search(page.text) if page.ok else None
        self.version = int(match.group(1)) if match else None

    def autosave(self):
        """Sends a new summary with the version it last got back; an answer without a new version
        means nothing was saved (a stale version, a refusal), which counts as a failure."""
        summary = f"Samenvatting {self.pk}, versie {self.record['autosaves']}: desinformatie herkennen."
        with self.client.post(
            self.url(f"/applications/{self.pk}/edit/general/autosave/"),
            data={
                "version": self.version,
                "title": self.plan["title"],
                "summary": summary,
                "objectives": self.plan["objectives"],
                "start_date": "2030-01-01",
                "end_date": "2030-12-31",
            },
            headers={"X-CSRFToken": self.csrf(), "HX-Request": "true"},
            name="autosave",
            catch_response=True,
        ) as response:
            match = VERSION.search(response.text) if response.ok else None
            if match:
                self.version = int(match.group(1))
                self.record["summary"] = summary
                self.record["autosaves"] += 1
            elif response.ok:
                response.failure("autosave answered without a new version: not saved")

    def upload(self):
        pdf = _pdf(f"{self.pk}-{time.time()}")
        self.record["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
        self.record["uploaded"] = time.time()
        self.client.post(
            self.url(f"/applications/{self.pk}/attachments/upload/{self.plan['document']}/"),
            data={"csrfmiddlewaretoken": self.csrf()},
            files={"file": ("projectplan.pdf", pdf, "application/pdf")},
            name="upload 2 MB PDF",
            allow_redirects=False,
        )

    def submit(self):
        pk, record = self.pk, self.record
        review = self.client.get(self.url(f"/applications/{pk}/edit/review/"), name="review page")
        match = VERSION.search(review.text) if review.ok else None
        record["submit_started"] = time.time()
        with self.client.post(
            self.url(f"/applications/{pk}/submit/"),
            data={"version": match.group(1) if match else "", "declaration": "on"},
            headers={"X-CSRFToken": self.csrf()},
            name="submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            record["submit_ended"] = time.time()
            record["submit_status"] = response.status_code
            if response.status_code == 409 and time.time() >= PLAN["deadline"] - 1:
                record["refusal"] = PLAN["late_message"] in response.text
                response.success()  # a submit at or after the deadline, refused as it must be (checked later)
            elif response.status_code != 302:
                response.failure(f"submit answered {response.status_code}")
        if record["submit_status"] == 302:
            receipt = self.client.get(self.url(f"/applications/{pk}/receipt.pdf"), name="receipt")
            record["receipt"] = receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


class Staff(_Base):
    fixed_count = 5
    wait_time = between(1, 3)

    def on_start(self):
        self.login(PLAN["staff_session"])

    @task(3)
    def applications(self):
        self.client.get(self.url(f"/manage/calls/{PLAN['slug']}/applications/"), name="staff: applications")

    @task(1)
    def call_page(self):
        self.client.get(self.url(f"/manage/calls/{PLAN['slug']}/"), name="staff: call page")


class Reviewer(_Base):
    fixed_count = 5
    wait_time = between(1, 3)

    def on_start(self):
        self.login(PLAN["reviewer_session"])

    @task
    def dashboard(self):
        self.client.get(self.url("/review/"), name="reviewer: dashboard")
