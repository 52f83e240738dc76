"""`seed_calls --demo`: the review part (reviews/demo.py), idempotent."""

import pytest

from applications.models import Application, Status
from calls.seed import seed_calls
from portal.models import AuditEvent
from reviews.models import AdmissibilityCheck, Assignment, Review, Score
from reviews.queries import State, state_of

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Application.objects.order_by("pk").values_list("pk", "status")),
        list(
            Assignment.objects.order_by("pk").values_list(
                "pk", "application_id", "reviewer_id", "declared_at", "conflict"
            )
        ),
        list(Review.objects.order_by("pk").values_list("pk", "submitted_at", "recommendation")),
        list(Score.objects.order_by("pk").values_list("pk", "score")),
        AdmissibilityCheck.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            result = seed_calls(demo=True, allow_without_debug=True)
            first = snapshot()
            seed_calls(demo=True, allow_without_debug=True)
            second = snapshot()
            yield result, first, second
            transaction.set_rollback(True)


def test_running_the_seed_twice_changes_nothing(seeded):
    _result, first, second = seeded
    assert first == second


def test_desinformatie_demo_has_two_admitted_submissions_with_reviews_in_every_state(seeded):
    result, _first, _second = seeded
    call = result["calls"]["desinformatie-demo"]
    submissions = Application.objects.filter(call=call).exclude(status=Status.DRAFT).order_by("reference")
    assert [a.status for a in submissions] == [Status.IN_REVIEW, Status.IN_REVIEW, Status.SUBMITTED, Status.SUBMITTED]
    reviewers = {result["users"][key].pk for key in ("reviewer1", "reviewer2", "reviewer3")}
    states = set()
    for application in submissions[:2]:
        assignments = Assignment.objects.filter(application=application).select_related("review")
        assert {a.reviewer_id for a in assignments} == reviewers
        states |= {state_of(a) for a in assignments}
    assert states == {State.TO_DECLARE, State.TO_REVIEW, State.DRAFT, State.SUBMITTED}
    assert not Assignment.objects.filter(application__in=submissions[2:]).exists()


def test_lokale_besturen_2021_is_fully_reviewed_without_decisions(seeded):
    result, _first, _second = seeded
    call = result["calls"]["lokale-besturen-2021"]
    call.refresh_from_db()
    applications = Application.objects.filter(call=call)
    assert applications.count() == 16 and set(applications.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert call.review_started_at is not None and call.decisions_published_at is None
    reviews = Review.objects.filter(assignment__application__call=call)
    assert reviews.count() == 48 and not reviews.filter(submitted_at__isnull=True).exists()
    assert not Assignment.objects.filter(application__call=call, conflict=True).exists()
    assert len(set(Score.objects.filter(review__in=reviews).values_list("score", flat=True))) >= 5  # varied
