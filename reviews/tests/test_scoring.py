"""The maths of DESIGN §4 on hand-computed cases. Runs on whatever DATABASE_URL names, so the
same assertions hold on PostgreSQL and on SQLite."""

from decimal import Decimal

import pytest

from applications.models import Application
from calls.tests.factories import ObjectiveFactory
from reviews.scoring import active_criteria, criterion_scores, one_decimal, scored

from .ranking_data import D, application, closed_call, consensus, criterion, review, reviews

pytestmark = pytest.mark.django_db


def score_of(app):
    """The application as `scored()` returns it, and its criterion rows."""
    call = app.call
    criteria = active_criteria(call)
    row = scored(Application.objects.filter(pk=app.pk), call, criteria).get()
    return row, {c.criterion.pk: c for c in criterion_scores(row, criteria)}


def test_weights_one_one_two_scored_four_three_five_give_85():
    call = closed_call()
    a, b, c = criterion(call, 1), criterion(call, 1), criterion(call, 2)
    app = application(call)
    reviews(app, {a: 4, b: 3, c: 5}, {a: 4, b: 3, c: 5})

    row, rows = score_of(app)

    # (1×4 + 1×3 + 2×5) / (1×5 + 1×5 + 2×5) × 100 = 17 / 20 × 100
    assert one_decimal(row.total) == D("85.0")
    assert row.total == D("85")
    assert row.passes is True
    assert [rows[x.pk].final for x in (a, b, c)] == [D("4"), D("3"), D("5")]


def test_a_total_that_is_not_a_whole_number_is_the_same_on_every_database():
    call = closed_call()
    a, b = criterion(call, 1), criterion(call, "1.5")
    app = application(call)
    reviews(app, {a: 3, b: 4}, {a: 4, b: 4}, {a: 4, b: "4.5"})

    row, rows = score_of(app)

    # a: 11/3 = 3.666667; b: 12.5/3 = 4.166667
    # (3.666667 + 1.5 × 4.166667) / (5 + 7.5) × 100 = 9.9166675 / 12.5 × 100 = 79.33334
    assert rows[a.pk].mean == D("3.666667")
    assert rows[b.pk].final == D("4.166667")
    assert row.total == D("79.333340")
    assert one_decimal(row.total) == D("79.3")


def test_a_criterion_of_an_objective_the_application_does_not_address_leaves_total_and_thresholds():
    call = closed_call()
    media, tools = ObjectiveFactory(call=call, number=1), ObjectiveFactory(call=call, number=2)
    general = criterion(call, 1, threshold="2.5")
    on_media = criterion(call, 1, threshold="2.5", objective=media)
    on_tools = criterion(call, 2, threshold="2.5", objective=tools)
    only_media = application(call, objectives=[media])
    both = application(call, objectives=[media, tools])
    # A stray score on the criterion that does not apply must not count either.
    review(only_media, {general: 4, on_media: 3, on_tools: 0})
    review(both, {general: 4, on_media: 3, on_tools: 0})

    row, rows = score_of(only_media)
    assert rows[on_tools.pk].applies is False
    assert rows[on_tools.pk].final is None
    assert rows[on_tools.pk].meets_threshold is True
    assert row.total == D("70")  # (4 + 3) / (5 + 5)
    assert row.passes is True

    row, rows = score_of(both)
    assert rows[on_tools.pk].applies is True
    assert row.total == D("35")  # (4 + 3 + 2×0) / (5 + 5 + 10)
    assert rows[on_tools.pk].meets_threshold is False
    assert row.passes is False


def test_a_consensus_score_replaces_the_mean_for_its_criterion_only():
    call = closed_call()
    a, b = criterion(call, 1), criterion(call, 1)
    app = application(call)
    reviews(app, {a: 2, b: 4}, {a: 3, b: 4}, {a: 4, b: 5})
    consensus(app, a, "4.5")

    row, rows = score_of(app)

    assert rows[a.pk].final == D("4.5")
    assert rows[a.pk].from_consensus
    assert rows[a.pk].mean == D("3")  # still shown beside it
    assert rows[b.pk].final == D("4.333333")
    assert not rows[b.pk].from_consensus
    assert row.total == D("88.333330")  # (4.5 + 4.333333) / 10 × 100


def test_a_single_criterion_below_its_threshold_fails_the_application_whatever_its_total():
    call = closed_call(overall_threshold=D("50"))
    a, b, c = criterion(call, 1, threshold="2.5"), criterion(call, 1), criterion(call, 5)
    app = application(call)
    review(app, {a: 2, b: 5, c: 5})

    row, rows = score_of(app)

    assert row.total == D("91.428571")  # (2 + 5 + 5×5) / (5 + 5 + 5×5) = 32 / 35
    assert row.meets_overall is True
    assert rows[a.pk].meets_threshold is False
    assert row.passes is False


def test_a_score_exactly_on_the_threshold_and_a_total_exactly_on_the_overall_threshold_pass():
    call = closed_call(overall_threshold=D("50"))
    a = criterion(call, 1, threshold="2.5")
    app = application(call)
    # 7.5 / 3 = 2.5 exactly: floating point must not make it 2.4999…
    reviews(app, {a: 2}, {a: "2.5"}, {a: 3})

    row, rows = score_of(app)

    assert rows[a.pk].final == D("2.5")
    assert row.total == D("50")
    assert rows[a.pk].meets_threshold is True
    assert row.passes is True


def test_below_the_overall_threshold_fails_even_when_every_criterion_meets_its_own():
    call = closed_call(overall_threshold=D("60"))
    a, b = criterion(call, 1, threshold="2.5"), criterion(call, 1, threshold="2.5")
    app = application(call)
    review(app, {a: 3, b: "2.5"})

    row, _rows = score_of(app)

    assert row.total == D("55")
    assert row.meets_overall is False
    assert row.passes is False


@pytest.mark.parametrize(
    "scores, median, mean",
    [
        ([1, 4, 5], "4", "3.333333"),  # odd count: the middle one
        ([5, 1, 4, 2], "3", "3"),  # even count: the average of the two middle ones
        ([3, 3, 5], "3", "3.666667"),  # ties
        ([2, 2, 4, 4], "3", "3"),
        ([4.5], "4.5", "4.5"),
        ([0, 5], "2.5", "2.5"),
        ([1, 1, 1, 5, 5], "1", "2.6"),
    ],
)
def test_the_median_with_odd_and_even_counts(scores, median, mean):
    call = closed_call()
    a = criterion(call)
    app = application(call)
    reviews(app, *({a: s} for s in scores))

    _row, rows = score_of(app)

    assert rows[a.pk].median == D(median)
    assert rows[a.pk].mean == D(mean)
    assert rows[a.pk].count == len(scores)
    assert rows[a.pk].minimum == D(str(min(scores)))
    assert rows[a.pk].maximum == D(str(max(scores)))


def test_the_median_of_one_application_ignores_the_scores_of_another():
    call = closed_call()
    a = criterion(call)
    first, second = application(call), application(call)
    reviews(first, {a: 1}, {a: 2}, {a: 3})
    reviews(second, {a: 5}, {a: 5})

    rows = {app.pk: criterion_scores(app, [a])[0] for app in scored(Application.objects.filter(call=call), call, [a])}

    assert rows[first.pk].median == D("2")
    assert rows[second.pk].median == D("5")


def test_draft_reviews_and_reviews_released_by_a_conflict_do_not_count():
    call = closed_call(reviews_required=3)
    a = criterion(call)
    app = application(call)
    review(app, {a: 4})
    review(app, {a: 0}, submitted=False)
    review(app, {a: 0}, conflict=True)

    row, rows = score_of(app)

    assert rows[a.pk].final == D("4")
    assert rows[a.pk].count == 1
    assert rows[a.pk].median == D("4")
    assert row.review_count == 1
    assert row.reviews_missing is True


def test_reviews_missing_is_false_once_enough_reviews_are_submitted():
    call = closed_call(reviews_required=2)
    a = criterion(call)
    app = application(call)
    reviews(app, {a: 4}, {a: 3})

    row, _rows = score_of(app)

    assert row.review_count == 2
    assert row.reviews_missing is False


@pytest.mark.parametrize("low, high, flagged", [(1, 3, True), (2, 3, False), ("1.5", 4, True), (2, "3.5", False)])
def test_disagreement_is_flagged_when_the_spread_reaches_the_gap(low, high, flagged):
    call = closed_call(disagreement_gap=D("2"))
    a = criterion(call)
    app = application(call)
    reviews(app, {a: low}, {a: high})

    _row, rows = score_of(app)

    assert rows[a.pk].disagreement is flagged
    assert rows[a.pk].spread == D(str(high)) - D(str(low))


def test_an_application_without_scores_has_no_total_and_does_not_pass():
    call = closed_call()
    a = criterion(call, threshold=None)
    app = application(call)

    row, rows = score_of(app)

    assert row.total is None
    assert rows[a.pk].final is None
    assert row.passes is False
    assert row.review_count == 0


def test_an_archived_criterion_no_longer_counts():
    from django.utils import timezone

    call = closed_call()
    a = criterion(call)
    old = criterion(call, threshold="4")
    app = application(call)
    review(app, {a: 3, old: 1})
    old.archived_at = timezone.now()
    old.save()

    row, rows = score_of(app)

    assert set(rows) == {a.pk}
    assert row.total == D("60")
    assert row.passes is True


def test_the_scale_of_the_call_is_the_denominator():
    call = closed_call(max_score=D("20"), overall_threshold=D("60"))
    a, b = criterion(call, 1), criterion(call, 3)
    app = application(call)
    review(app, {a: 10, b: 14})

    row, _rows = score_of(app)

    assert row.total == D("65")  # (10 + 42) / (20 + 60)
    assert row.passes is True


def test_one_decimal_rounds_half_up():
    assert one_decimal(Decimal("84.95")) == Decimal("85.0")
    assert one_decimal(Decimal("84.949999")) == Decimal("84.9")
    assert one_decimal(None) is None
