"""The ranking order and the funding line (DESIGN §4), on hand-made calls."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from portal.models import AuditEvent
from reviews.models import GrantProposal
from reviews.ranking import propose_grant, ranking_for

from .ranking_data import D, application, closed_call, criterion, manager_of, review, reviews

pytestmark = pytest.mark.django_db


def references(rows):
    return [row.application.title for row in rows]


def test_ties_are_broken_by_the_criteria_in_order_then_by_earlier_submission():
    call = closed_call()
    first, second = criterion(call, 1, order=1), criterion(call, 1, order=2)
    start = call.closes_at - timedelta(days=5)
    # Every application totals 60 %.
    strong_first_late = application(call, title="strong-first-late", submitted_at=start + timedelta(hours=2))
    strong_second = application(call, title="strong-second", submitted_at=start)
    strong_first_early = application(call, title="strong-first-early", submitted_at=start + timedelta(hours=1))
    review(strong_first_late, {first: 4, second: 2})
    review(strong_second, {first: 2, second: 4})
    review(strong_first_early, {first: 4, second: 2})

    ranking = ranking_for(call)

    assert {row.total for row in ranking.passing} == {D("60")}
    assert references(ranking.passing) == ["strong-first-early", "strong-first-late", "strong-second"]
    assert [row.position for row in ranking.passing] == [1, 2, 3]


def test_criterion_order_not_creation_order_breaks_ties():
    call = closed_call()
    later_created_but_first = criterion(call, 1, order=1)
    earlier_created_but_second = criterion(call, 1, order=2)
    # Reorder: the one created first now comes second.
    later_created_but_first.order, earlier_created_but_second.order = 2, 1
    later_created_but_first.save()
    earlier_created_but_second.save()
    a = application(call, title="a")
    b = application(call, title="b")
    review(a, {later_created_but_first: 5, earlier_created_but_second: 3})
    review(b, {later_created_but_first: 3, earlier_created_but_second: 5})

    assert references(ranking_for(call).passing) == ["b", "a"]


def test_a_higher_total_ranks_first_whatever_the_submission_time():
    call = closed_call()
    c = criterion(call)
    early = application(call, title="early", submitted_at=call.closes_at - timedelta(days=20))
    late = application(call, title="late", submitted_at=call.closes_at - timedelta(minutes=1))
    review(early, {c: 3})
    review(late, {c: "3.5"})

    assert references(ranking_for(call).passing) == ["late", "early"]


def budget_call(policy):
    """Budget 100 000; passing applications asking 50 000, 40 000, 30 000 and 10 000 in that
    order of merit: strict stops at 90 000, skip adds the 10 000 below the line."""
    call = closed_call(total_budget=D("100000"), funding_policy=policy)
    c = criterion(call)
    for title, score, amount in [("A", 5, 50000), ("B", "4.5", 40000), ("C", 4, 30000), ("D", "3.5", 10000)]:
        review(application(call, title=title, requested=amount), {c: score})
    failing = application(call, title="F", requested=5000)
    review(failing, {c: 1})
    return call


def test_strict_policy_ends_the_funding_line_at_the_first_application_that_does_not_fit():
    ranking = ranking_for(budget_call("strict"))

    assert references(ranking.funded) == ["A", "B"]
    assert references(ranking.reserve) == ["C", "D"]
    assert ranking.line_index == 2
    assert [row.running_total for row in ranking.passing] == [D("50000"), D("90000"), None, None]
    assert ranking.budget_use.used == D("90000")
    assert ranking.budget_use.remaining == D("10000")
    assert references(ranking.failing) == ["F"]


def test_skip_policy_funds_smaller_applications_further_down_that_still_fit():
    ranking = ranking_for(budget_call("skip"))

    assert references(ranking.funded) == ["A", "B", "D"]
    assert references(ranking.reserve) == ["C"]
    assert ranking.line_index == 2
    assert [row.below_line for row in ranking.funded] == [False, False, True]
    assert [row.running_total for row in ranking.passing] == [D("50000"), D("90000"), None, D("100000")]
    assert ranking.budget_use.remaining == D("0")


def test_a_what_if_amount_moves_the_line(user):
    call = budget_call("strict")
    manager = manager_of(call)
    b = call.applications.get(title="B")

    propose_grant(b, amount=D("20000"), by=manager)
    ranking = ranking_for(call)

    assert references(ranking.funded) == ["A", "B", "C"]
    assert references(ranking.reserve) == ["D"]
    assert ranking.budget_use.used == D("100000")
    assert [row.granted for row in ranking.funded] == [D("50000"), D("20000"), D("30000")]


def test_the_failing_list_says_which_thresholds_were_missed():
    call = closed_call(overall_threshold=D("60"))
    relevance = criterion(call, 1, threshold="2.5", title_nl="Relevantie")
    quality = criterion(call, 1, threshold="2.5", title_nl="Kwaliteit")
    app = application(call)
    review(app, {relevance: 2, quality: 3})

    ranking = ranking_for(call)

    (row,) = ranking.failing
    reasons = row.failed_thresholds()
    assert len(reasons) == 2
    assert reasons[0].startswith("Relevantie: score 2,00")
    assert "2,50" in reasons[0]
    assert "50,0 %" in reasons[1] and "60" in reasons[1]
    assert row.proposed_outcome == "reject"


def test_unscored_applications_are_listed_apart_and_proposed_nothing():
    call = closed_call()
    criterion(call)
    unscored = application(call, title="no reviews yet")

    ranking = ranking_for(call)

    assert references(ranking.unscored) == ["no reviews yet"]
    assert ranking.unscored[0].proposed_outcome is None
    assert ranking.passing == [] and ranking.failing == []
    assert unscored.pk not in [row.application.pk for row in ranking.rows if row.scored]


def test_applications_not_under_review_are_not_ranked():
    call = closed_call()
    c = criterion(call)
    ranked = application(call, title="ranked")
    review(ranked, {c: 4})
    for status in ["draft", "submitted", "incomplete", "inadmissible", "withdrawn"]:
        review(application(call, title=status, status=status), {c: 5})

    assert references(ranking_for(call).rows) == ["ranked"]


def test_missing_reviews_are_marked_but_the_application_is_still_ranked():
    call = closed_call(reviews_required=3)
    c = criterion(call)
    app = application(call)
    reviews(app, {c: 4}, {c: 5})

    (row,) = ranking_for(call).passing

    assert row.reviews_missing
    assert row.application.review_count == 2


def test_a_recorded_award_counts_with_its_granted_amount_and_an_overrun_is_shown_not_prevented():
    from reviews.tests.factories import DecisionFactory

    call = closed_call(total_budget=D("100000"))
    c = criterion(call)
    a = application(call, title="A", requested=60000, status="awarded")
    b = application(call, title="B", requested=60000, status="awarded")
    review(a, {c: 5})
    review(b, {c: 4})
    DecisionFactory(application=a, outcome="award", granted_amount=D("55000"))
    DecisionFactory(application=b, outcome="award", granted_amount=D("60000"))

    ranking = ranking_for(call)

    assert ranking.budget_use.awarded == D("115000")
    assert ranking.budget_use.overrun == D("15000")
    assert ranking.budget_use.remaining == D("-15000")
    assert ranking.passing[0].granted == D("55000")


def test_propose_grant_refuses_more_than_requested_and_negative_amounts():
    call = closed_call()
    manager = manager_of(call)
    app = application(call, requested=50000)

    with pytest.raises(ValidationError) as error:
        propose_grant(app, amount=D("50000.01"), by=manager)
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError):
        propose_grant(app, amount=D("-1"), by=manager)
    assert not GrantProposal.objects.exists()


def test_propose_grant_is_audited_and_clearing_it_returns_to_the_requested_amount():
    call = closed_call()
    c = criterion(call)
    manager = manager_of(call)
    app = application(call, requested=50000)
    review(app, {c: 4})

    propose_grant(app, amount=D("42000"), by=manager)
    assert ranking_for(call).passing[0].granted == D("42000")
    propose_grant(app, amount=None, by=manager)

    assert ranking_for(call).passing[0].granted == D("50000")
    actions = list(AuditEvent.objects.filter(object_id=app.pk).values_list("action", "actor"))
    assert ("grant_proposed", manager.pk) in actions
    assert ("grant_proposal_cleared", manager.pk) in actions


def test_the_ranking_of_a_whole_call_takes_two_queries(django_assert_num_queries):
    call = closed_call()
    c1, c2 = criterion(call), criterion(call)
    for _ in range(6):
        reviews(application(call), {c1: 4, c2: 3}, {c1: 3, c2: 5})

    with django_assert_num_queries(2):  # the criteria, then the ranking
        ranking = ranking_for(call)
        [row.failed_thresholds() for row in ranking.rows]
        [(row.granted, row.proposal, row.decision) for row in ranking.rows]
