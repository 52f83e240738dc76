"""The stored score figures (issue 13): a ranking reads one row per (application, criterion)
from `ScoreFigures` instead of aggregating every score again, and what it reads is the same as
what the scores give, whichever way the scores were written. Runs on PostgreSQL and SQLite."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from applications.models import Application
from calls.tests.factories import ObjectiveFactory
from reviews import figures as figure_triggers
from reviews import services
from reviews.models import Assignment, Review, ReviewTally, Score, ScoreFigures, StaleScoreFigures
from reviews.scoring import FIGURES, active_criteria, field, refresh_figures, scored

from .ranking_data import D, application, closed_call, consensus, criterion, review, reviews

pytestmark = pytest.mark.django_db

COLUMNS = ("review_count", "reviews_missing", "total", "meets_overall", "passes")


@pytest.fixture
def world():
    """Applications whose figures differ in every way the maths knows: odd and even counts, an
    empty score, a draft, a review released by a conflict, a consensus score, a criterion that
    does not apply, and an application without any score."""
    call = closed_call(reviews_required=2)
    objective = ObjectiveFactory(call=call)
    quality = criterion(call, weight=2, threshold="2.5", order=1)
    impact = criterion(call, order=2)
    tools = criterion(call, threshold=3, objective=objective, order=3)
    odd = application(call, objectives=[objective])
    reviews(odd, {quality: 4, impact: 3, tools: "4.5"}, {quality: 2, impact: 5, tools: 1}, {quality: 5, impact: 4})
    even = application(call)
    reviews(even, {quality: 3, impact: 2}, {quality: "3.5", impact: None})
    review(even, {quality: 1, impact: 1}, submitted=False)
    review(even, {quality: 5, impact: 5}, conflict=True)
    agreed = application(call, objectives=[objective])
    reviews(agreed, {quality: 1, impact: 4, tools: 2})
    consensus(agreed, quality, 4)
    application(call)  # no review at all
    return call


def figures(call) -> list[tuple]:
    """Every figure `scored()` gives for each application of `call`, in primary-key order."""
    criteria = active_criteria(call)
    names = [*COLUMNS, *(field(c, name) for c in criteria for name in (*FIGURES, "final", "meets", "disagree"))]
    return list(scored(Application.objects.all(), call, criteria).order_by("pk").values_list("pk", *names))


def from_scores(call) -> list[tuple]:
    """What the scores themselves give: every application marked stale (so none is read from
    the store) for one read, then the marks as they were."""
    with transaction.atomic():
        point = transaction.savepoint()
        StaleScoreFigures.objects.bulk_create(
            [StaleScoreFigures(application_id=pk) for pk in Application.objects.values_list("pk", flat=True)],
            ignore_conflicts=True,
        )
        result = figures(call)
        transaction.savepoint_rollback(point)
    return result


def stale() -> set[int]:
    return set(StaleScoreFigures.objects.values_list("application_id", flat=True))


def test_the_stored_figures_give_exactly_what_the_scores_give(world):
    computed = figures(world)
    assert stale(), "the triggers marked what the reviews wrote"

    assert refresh_figures() == 3  # the applications with reviews
    assert not stale()
    assert ScoreFigures.objects.count() == 3 + 2 + 3  # (application, criterion) with counted scores
    assert sorted(ReviewTally.objects.values_list("review_count", flat=True)) == [1, 2, 3]
    assert figures(world) == computed
    odd = Application.objects.filter(call=world).order_by("pk").first()
    stored = ScoreFigures.objects.get(application=odd, criterion__order=1)
    assert (stored.count, stored.mean, stored.minimum, stored.maximum, stored.median) == (
        3,
        D("3.666667"),
        D("2"),
        D("5"),
        D("4"),
    )


def test_the_refresh_after_a_commit_takes_one_batch_and_leaves_the_rest_to_the_periodic_task(world):
    """A request never pays for a backlog (an upgrade, a bulk import): what it leaves stays
    marked, and is read from the scores meanwhile."""
    computed = figures(world)
    assert refresh_figures(batch=1, batches=1) == 1
    assert len(stale()) == 2
    assert figures(world) == computed
    assert refresh_figures(batch=1) == 2
    assert not stale()


def test_the_ranking_reads_the_store_for_what_is_not_stale(world):
    """The store is really read: a stored row changed behind the triggers' back shows (and an
    application marked stale is computed from its scores again)."""
    refresh_figures()
    odd = Application.objects.filter(call=world).order_by("pk").first()
    quality = world.criteria.get(order=1)
    ScoreFigures.objects.filter(application=odd, criterion=quality).update(mean=Decimal("1.5"))
    ReviewTally.objects.filter(application=odd).update(review_count=7)
    row = scored(Application.objects.filter(pk=odd.pk), world).get()
    assert (getattr(row, field(quality, "mean")), row.review_count) == (D("1.5"), 7)

    StaleScoreFigures.objects.create(application_id=odd.pk)
    row = scored(Application.objects.filter(pk=odd.pk), world).get()
    assert (getattr(row, field(quality, "mean")), row.review_count) == (D("3.666667"), 3)


def _score(odd) -> Score:
    return Score.objects.filter(review__assignment__application=odd, review__submitted_at__isnull=False).order_by("pk")[
        0
    ]


def _review(odd) -> Review:
    return Review.objects.filter(assignment__application=odd, submitted_at__isnull=False).order_by("pk")[0]


def _bulk_review(world, odd):
    from accounts.tests.factories import UserFactory

    assignment = Assignment.objects.create(application=odd, reviewer=UserFactory(), declared_at=timezone.now())
    # bulk_create sends no signal: only the triggers see these rows.
    (done,) = Review.objects.bulk_create([Review(assignment=assignment, submitted_at=timezone.now())])
    Score.objects.bulk_create([Score(review=done, criterion=c, score=D("1")) for c in world.criteria.all()])


def _plain_sql(world, odd):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Score._meta.db_table} SET score = %s WHERE id = %s", [D("0.5"), _score(odd).pk])


WRITES = {
    "a score changed by update()": lambda world, odd: Score.objects.filter(pk=_score(odd).pk).update(score=D("0.5")),
    "a score deleted": lambda world, odd: _score(odd).delete(),
    "a review and its scores inserted in bulk": _bulk_review,
    "a review reopened by update()": lambda world, odd: Review.objects.filter(pk=_review(odd).pk).update(
        submitted_at=None
    ),
    "a conflict declared by update()": lambda world, odd: Assignment.objects.filter(
        pk=_review(odd).assignment_id
    ).update(conflict=True),
    "an assignment deleted with its review": lambda world, odd: _review(odd).assignment.delete(),
    "a score changed in plain SQL": _plain_sql,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_marks_the_application_stale_so_the_ranking_stays_current(world, write):
    refresh_figures()
    before = figures(world)
    odd = Application.objects.filter(call=world).order_by("pk").first()

    write(world, odd)

    assert odd.pk in stale()
    after = figures(world)
    assert after == from_scores(world)
    assert after != before, "the write changed the figures"
    refresh_figures()
    assert not stale()
    assert figures(world) == after


@pytest.mark.django_db(transaction=True)
def test_a_review_saved_through_the_service_refreshes_the_store_when_it_commits(world):
    """Real commits: the figures a reviewer's submission changes are stored once it commits."""
    even = Application.objects.filter(call=world).order_by("pk")[1]
    quality, impact = world.criteria.get(order=1), world.criteria.get(order=2)
    assignment = Assignment.objects.filter(application=even, review__submitted_at__isnull=True).get()
    services.save_review(
        assignment,
        by=None,  # the permission is not what this test is about
        scores={quality.pk: services.ScoreInput(D("5"), "Sterk."), impact.pk: services.ScoreInput(D("4"), "Goed.")},
        recommendation="fund",
        submit=True,
    )
    assert even.pk not in stale()
    stored = ScoreFigures.objects.get(application=even, criterion=quality)
    assert (stored.count, stored.mean, stored.median) == (3, D("3.833333"), D("3.5"))
    assert ReviewTally.objects.get(application=even).review_count == 3
    assert figures(world) == from_scores(world)


def test_the_triggers_are_put_back_after_a_migration_dropped_them(world):
    """SQLite drops a table's triggers when a migration rebuilds it; `install` (after every
    migrate) puts them back."""
    refresh_figures()
    with connection.cursor() as cursor:
        for table in ("reviews_score", "reviews_review", "reviews_assignment"):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER {table}_figures_stale ON {table}")
            else:
                for kind in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_figures_stale_{kind}")
    odd = Application.objects.filter(call=world).order_by("pk").first()
    Score.objects.filter(review__assignment__application=odd).update(score=D("1"))
    assert not stale()

    figure_triggers.install()
    Score.objects.filter(review__assignment__application=odd).update(score=D("2"))
    assert stale() == {odd.pk}
