"""The checks of `make rush` (scripts/rush.py), against the database after the run.

Reads the plan (RUSH_PLAN) and what each applicant's submit was answered (RUSH_OUT), prints the
findings and, on the last line, a JSON object of the results. `verify(plan, records)` returns
that object, so a test can call it after a short run.
"""

import email
import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def verify(plan: dict, records: list[dict], mail_dir: Path | None) -> dict:
    from applications import content
    from applications.models import Application, ReferenceCounter, Status
    from calls.models import Call
    from portal.models import AuditEvent, Notification

    call = Call.objects.get(slug=plan["slug"])
    deadline = call.closes_at.timestamp()
    apps = {a.pk: a for a in Application.objects.filter(call=call).prefetch_related("attachments")}
    problems = []
    answered = [r for r in records if r.get("submit_status") == 302]
    for r in answered:
        app = apps[r["pk"]]
        if app.status != Status.SUBMITTED or not app.reference:
            problems.append(f"{r['pk']}: answered as submitted but stored as {app.status}")
            continue
        if app.submitted_at.timestamp() >= deadline:
            problems.append(f"{app.reference}: submitted at {app.submitted_at}, after the deadline")
        hashes = {a.sha256 for a in app.attachments.all()}
        if r.get("pdf_sha256") not in hashes:
            problems.append(f"{app.reference}: the uploaded PDF is not stored with the hash that was sent")
        if r.get("summary") and app.summary != r["summary"]:
            problems.append(f"{app.reference}: the last autosaved summary is not the stored one")
        event = AuditEvent.objects.for_object(app).filter(action="submitted").first()
        if event is None or event.data.get("content_sha256") != content.content_hash(app):
            problems.append(f"{app.reference}: the content hash of the submission does not match the stored content")
        if not r.get("receipt"):
            problems.append(f"{app.reference}: no receipt PDF was downloaded")
    before = [r for r in records if "submit_ended" in r and r["submit_ended"] < deadline]
    after = [r for r in records if "submit_started" in r and r["submit_started"] >= deadline]
    problems += [
        f"{r['pk']}: submitted before the deadline but answered {r['submit_status']}"
        for r in before
        if r["submit_status"] != 302
    ]
    problems += [
        f"{r['pk']}: submitted after the deadline but answered {r['submit_status']}"
        for r in after
        if r["submit_status"] != 409
    ]
    problems += [
        f"{r['pk']}: refused after the deadline without the message"
        for r in after
        if r["submit_status"] == 409 and not r.get("refusal")
    ]
    submitted = [a for a in apps.values() if a.reference]
    numbers = sorted(int(a.reference.rsplit("-", 1)[1]) for a in submitted)
    gap_free = numbers == list(range(1, len(numbers) + 1))
    counter = ReferenceCounter.objects.filter(call=call).values_list("last", flat=True).first() or 0
    if not gap_free or counter != len(numbers) or len(set(numbers)) != len(numbers):
        problems.append(f"references not gap-free and unique: {numbers[:5]}… counter {counter}")
    receipts = Notification.objects.filter(template="applications_receipt", object_id__in=[a.pk for a in submitted])
    by_application = {}
    for n in receipts:
        by_application.setdefault(n.object_id, []).append(n)
    unsent = [a.reference for a in submitted if [n.status for n in by_application.get(a.pk, [])] != ["sent"]]
    if unsent:
        problems.append(f"{len(unsent)} receipt e-mails not sent exactly once in the outbox: {unsent[:5]}")
    delivered = {}
    if mail_dir is not None and mail_dir.exists():
        for path in mail_dir.iterdir():
            raw = path.read_bytes()
            for chunk in raw.split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    subject = str(email.message_from_bytes(chunk.strip()).get("Subject", ""))
                    for a in submitted:
                        if a.reference in subject:
                            delivered[a.reference] = delivered.get(a.reference, 0) + 1
    not_once = [a.reference for a in submitted if delivered.get(a.reference) != 1]
    if mail_dir is not None and not_once:
        problems.append(f"{len(not_once)} receipts not delivered exactly once to the mail files: {not_once[:5]}")
    for p in problems[:50]:
        print("PROBLEM", p)
    return {
        "applicants who reached submit": len([r for r in records if "submit_status" in r]),
        "submits answered with success (and a receipt)": len(answered),
        "submits before the deadline second": len(before),
        "of which refused": len([r for r in before if r["submit_status"] != 302]),
        "submits after the deadline second": len(after),
        "of which refused with the message": len([r for r in after if r["submit_status"] == 409 and r.get("refusal")]),
        "stored submissions": len(submitted),
        "lost (answered but not stored as sent)": len([r for r in answered if not apps[r["pk"]].reference]),
        "references gap-free and unique": gap_free and counter == len(numbers),
        "receipt e-mails sent once (outbox)": len(submitted) - len(unsent),
        "receipt e-mails delivered once (mail files)": len(submitted) - len(not_once),
        "problems": len(problems),
    }


if __name__ == "__main__":
    django.setup()
    plan = json.loads(Path(os.environ["RUSH_PLAN"]).read_text())
    records = [json.loads(line) for line in Path(os.environ["RUSH_OUT"]).read_text().splitlines() if line.strip()]
    mail = os.environ.get("EMAIL_URL", "").partition("://")[2]
    print(json.dumps(verify(plan, records, Path(mail) if mail else None)))
