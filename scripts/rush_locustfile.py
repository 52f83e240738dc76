"""Locust users of `make rush` (scripts/rush.py prepares the data and starts this).

Every applicant takes one prepared draft, opens it, autosaves the general section three times,
uploads a 2 MB PDF to the required document, opens the review page, submits and downloads the
receipt; then it stops. Staff and reviewers browse meanwhile. Each request goes to one of the
two gunicorn processes at random, so the session and the uploads must work whichever answers.
What every submit was answered is written to RUSH_OUT (one JSON line per applicant) for the
checks in scripts/rush_verify.py.
"""

import hashlib
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, between, task
from locust.exception import StopUser

HOSTS = os.environ["RUSH_HOSTS"].split(",")
PLAN = json.loads(open(os.environ["RUSH_PLAN"]).read())  # noqa: SIM115
OUT = os.environ["RUSH_OUT"]
_applicants = iter(PLAN["applicants"])
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
    weight = 30
    wait_time = between(0.5, 2)

    def on_start(self):
        with _lock:
            self.plan = next(_applicants, None)
        if self.plan is None:
            raise StopUser()
        self.login(self.plan["session"])

    @task
    def rush(self):
        pk = self.plan["pk"]
        record = {"pk": pk}
        page = self.client.get(self.url(f"/applications/{pk}/edit/general/"), name="open draft")
        version = int(VERSION.search(page.text).group(1)) if page.ok and VERSION.search(page.text) else None
        for n in range(3):
            time.sleep(random.uniform(0.5, 1.5))
            summary = f"Samenvatting {pk}, versie {n}: desinformatie herkennen."
            response = self.client.post(
                self.url(f"/applications/{pk}/edit/general/autosave/"),
                data={
                    "version": version,
                    "title": self.plan["title"],
                    "summary": summary,
                    "objectives": self.plan["objectives"],
                    "start_date": "2030-01-01",
                    "end_date": "2030-12-31",
                },
                headers={"X-CSRFToken": self.csrf(), "HX-Request": "true"},
                name="autosave",
            )
            match = VERSION.search(response.text) if response.ok else None
            if match:
                version = int(match.group(1))
                record["summary"] = summary
        pdf = _pdf(f"{pk}-{time.time()}")
        record["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
        self.client.post(
            self.url(f"/applications/{pk}/attachments/upload/{self.plan['document']}/"),
            data={"csrfmiddlewaretoken": self.csrf()},
            files={"file": ("projectplan.pdf", pdf, "application/pdf")},
            name="upload 2 MB PDF",
            allow_redirects=False,
        )
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
                response.success()  # a deliberate late submit, refused as it must be (checked below)
            elif response.status_code != 302:
                response.failure(f"submit answered {response.status_code}")
        if record["submit_status"] == 302:
            receipt = self.client.get(self.url(f"/applications/{pk}/receipt.pdf"), name="receipt")
            record["receipt"] = receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
        with _lock, open(OUT, "a") as out:
            out.write(json.dumps(record) + "\n")
        raise StopUser()


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
