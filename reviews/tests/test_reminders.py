"""Reminders (Celery beat): REVIEW_REMINDER_DAYS_BEFORE days before the due date and
REVIEW_REMINDER_DAYS_AFTER days after it, for reviews not submitted; each at most once."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.models import Notification
from reviews import services, tasks

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.fixture
def due(settings, call, make_application, reviewer, assign):
    settings.REVIEW_REMINDER_DAYS_BEFORE = 3
    settings.REVIEW_REMINDER_DAYS_AFTER = 1
    assignment = assign(make_application(), reviewer)
    assignment.due_at = DUE
    assignment.save()
    return assignment


def reminders(kind=None):
    templates = [f"reviews_reminder_{kind}"] if kind else ["reviews_reminder_before", "reviews_reminder_after"]
    return list(Notification.objects.filter(template__in=templates))


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.send_review_reminders()


def test_nothing_is_sent_long_before_the_due_date(due):
    assert run_at(DUE - timedelta(days=4)) == 0
    assert reminders() == []


def test_the_reminder_before_is_sent_once(due, reviewer):
    assert run_at(DUE - timedelta(days=3)) == 1
    assert run_at(DUE - timedelta(days=2)) == 0
    assert run_at(DUE - timedelta(hours=1)) == 0
    [mail] = reminders("before")
    assert mail.recipient == reviewer and due.application.reference in mail.subject


def test_the_reminder_after_is_sent_once(due):
    run_at(DUE - timedelta(days=2))
    assert run_at(DUE + timedelta(hours=12)) == 0  # due, but not yet a day late
    assert run_at(DUE + timedelta(days=1)) == 1
    assert run_at(DUE + timedelta(days=5)) == 0
    assert len(reminders("before")) == 1 and len(reminders("after")) == 1


def test_submitted_reviews_and_released_assignments_get_no_reminder(
    due, reviewer, make_application, make_reviewer, assign, criteria
):
    services.declare_no_conflict(due, by=reviewer, confidentiality=True)
    services.save_review(
        due,
        by=reviewer,
        scores={c.pk: services.ScoreInput(Decimal("3"), "ok") for c in (criteria["quality"], criteria["budget"])},
        recommendation="fund",
        submit=True,
    )
    released = assign(make_application(), make_reviewer(), conflict=True)
    released.due_at = DUE
    released.save()
    assert run_at(DUE + timedelta(days=2)) == 0
    assert reminders() == []


def test_a_draft_is_still_reminded(due, reviewer, criteria):
    services.declare_no_conflict(due, by=reviewer, confidentiality=True)
    services.save_review(due, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))})
    assert run_at(DUE - timedelta(days=1)) == 1


def test_no_reminder_once_the_review_phase_closed(due, call):
    call.decisions_published_at = DUE
    call.save()
    assert run_at(DUE + timedelta(days=2)) == 0
