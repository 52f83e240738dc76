"""Submitting: the server clock decides, references are gap-free per call and kept, a double
submit is one submission, and a broker outage never costs a submission."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from applications import content, services
from applications.models import Application, Status
from applications.workflow import TransitionError
from portal import audit, notifications
from portal.models import Notification

BRUSSELS = ZoneInfo("Europe/Brussels")


def _submit_url(application):
    return reverse("applications:submit", args=[application.pk])


@pytest.mark.django_db
def test_late_submit_is_refused_even_when_the_form_was_loaded_before_the_deadline(client, complete, member):
    deadline = datetime(2026, 5, 12, 12, 0, tzinfo=BRUSSELS)  # a Tuesday
    call = complete.call
    call.opens_at, call.closes_at = deadline - timedelta(days=60), deadline
    call.save()
    client.force_login(member)
    with time_machine.travel(deadline - timedelta(minutes=3), tick=False):
        page = client.get(reverse("applications:section", args=[complete.pk, "review"]))
        assert page.status_code == 200 and f"applications/{complete.pk}/submit/" in page.text
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        response = client.post(_submit_url(complete), {"version": complete.version, "declaration": "on"})
    assert response.status_code == 409
    assert "dinsdag 12 mei 2026" in response.text
    assert "12:00" in response.text
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and complete.reference is None and complete.submitted_at is None


@pytest.mark.django_db
def test_submit_one_second_before_the_deadline_is_accepted(complete, member):
    deadline = complete.call.closes_at
    application = services.submit(complete, declaration=True, by=member, now=deadline - timedelta(seconds=1))
    assert application.status == Status.SUBMITTED and application.submitted_at == deadline - timedelta(seconds=1)


@pytest.mark.django_db
def test_reference_uses_the_prefix_and_the_brussels_year_of_the_opening(complete, member):
    call = complete.call
    # 31 December 23:30 UTC is already 1 January in Brussels.
    call.opens_at = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    call.save()
    application = services.submit(complete, declaration=True, by=member)
    assert application.reference == "DES-2026-0001"


@pytest.mark.django_db
def test_double_submit_gives_one_submission_one_reference_one_receipt(client, complete, member):
    client.force_login(member)
    first = client.post(_submit_url(complete), {"version": complete.version, "declaration": "on"})
    second = client.post(_submit_url(complete), {"version": complete.version, "declaration": "on"})
    assert first.status_code == second.status_code == 302
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED and complete.reference == f"DES-{complete.call.opens_at.year}-0001"
    assert audit.events_for(complete).filter(action="submitted").count() == 1
    assert Notification.objects.filter(template="applications_receipt").count() == 1


@pytest.mark.django_db
def test_every_member_of_the_organisation_gets_the_receipt(complete, member, django_capture_on_commit_callbacks):
    colleague = MembershipFactory(organisation=member.organisation).user
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit(complete, declaration=True, by=member)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([member.email, colleague.email])
    assert application.reference in mail.outbox[0].subject


@pytest.mark.django_db
def test_submit_refused_with_a_blocking_eligibility_finding(client, complete, member):
    complete.partners.all().delete()  # no news medium left
    client.force_login(member)
    response = client.post(_submit_url(complete), {"version": complete.version, "declaration": "on"})
    assert response.status_code == 409
    assert "nieuwsmedium" in response.text or "news medium" in response.text
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and complete.reference is None


@pytest.mark.django_db
def test_submit_refused_while_the_funding_plan_does_not_balance(complete, member):
    Application.objects.filter(pk=complete.pk).update(own_contribution=0)
    with pytest.raises(TransitionError):
        services.submit(complete, declaration=True, by=member)


@pytest.mark.django_db
def test_submit_refused_when_a_required_answer_or_document_is_missing(complete, member):
    complete.attachments.all().delete()
    with pytest.raises(TransitionError, match="Projectplan"):
        services.submit(complete, declaration=True, by=member)
    complete.answers.all().delete()
    with pytest.raises(TransitionError, match="Welk probleem"):
        services.submit(complete, declaration=True, by=member)


@pytest.mark.django_db
def test_submit_from_a_stale_review_page_is_refused(client, complete, member):
    client.force_login(member)
    response = client.post(_submit_url(complete), {"version": complete.version - 1, "declaration": "on"})
    assert response.status_code == 409
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT


@pytest.mark.django_db
def test_receipt_is_a_pdf_with_the_hash_of_the_submitted_content(client, complete, member, monkeypatch):
    application = services.submit(complete, declaration=True, by=member)
    digest = content.content_hash(application)
    assert audit.events_for(application).get(action="submitted").data["content_sha256"] == digest
    rendered = {}

    class FakeHTML:
        def __init__(self, string, base_url=None):
            rendered["html"] = string

        def write_pdf(self):
            return b"%PDF-1.7 fake"

    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    client.force_login(member)
    response = client.get(reverse("applications:receipt", args=[application.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert digest in rendered["html"]
    assert application.reference in rendered["html"]
    brussels_time = application.submitted_at.astimezone(BRUSSELS).strftime("%H:%M")
    assert brussels_time in rendered["html"]


@pytest.mark.django_db
def test_receipt_is_a_real_pdf(client, complete, member):
    application = services.submit(complete, declaration=True, by=member)
    client.force_login(member)
    response = client.get(reverse("applications:receipt", args=[application.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_a_draft_has_no_receipt(client, draft, member):
    client.force_login(member)
    assert client.get(reverse("applications:receipt", args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_the_content_hash_changes_when_the_content_changes(complete):
    before = content.content_hash(complete)
    complete.summary += "!"
    assert content.content_hash(complete) != before


@pytest.mark.django_db(transaction=True)
def test_submitting_with_the_broker_down_succeeds_and_the_receipt_goes_out_later(client, complete, member, settings):
    """docs/submission.md: the receipt is an outbox Notification written in the submitting
    transaction; the hand-off to Celery after commit may fail, the flush sends it later."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.task_always_eager = False
    try:
        client.force_login(member)
        response = client.post(_submit_url(complete), {"version": complete.version, "declaration": "on"})
        assert response.status_code == 302
        complete.refresh_from_db()
        assert complete.status == Status.SUBMITTED and complete.reference
        receipt = Notification.objects.get(template="applications_receipt", recipient=member)
        assert receipt.status == Notification.Status.PENDING
        assert mail.outbox == []
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
    assert notifications.flush(older_than=timedelta(0)) == 1
    receipt.refresh_from_db()
    assert receipt.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert complete.reference in mail.outbox[0].subject
