"""Builders for the scoring, ranking and decision tests: a call with criteria, applications
and submitted reviews, in a few readable lines per test."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.tests.factories import MembershipFactory, UserFactory
from applications.tests.factories import ApplicationFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory, CriterionFactory
from reviews.models import ConsensusScore
from reviews.tests.factories import AssignmentFactory, ReviewFactory, ScoreFactory

D = Decimal


def closed_call(**fields):
    """A published call whose deadline passed and whose review phase started."""
    now = timezone.now()
    defaults = dict(
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
        review_started_at=now - timedelta(days=29),
        max_score=D("5"),
        overall_threshold=D("50"),
        disagreement_gap=D("2"),
        reviews_required=1,
    )
    return CallFactory(**{**defaults, **fields})


def criterion(call, weight="1", threshold=None, **fields):
    return CriterionFactory(
        call=call, weight=D(str(weight)), threshold=None if threshold is None else D(str(threshold)), **fields
    )


_submitted = iter(range(10_000_000))


def application(call, *, requested="50000", submitted_at=None, objectives=(), **fields):
    """An application under review; submitted one minute after the previous one unless told."""
    number = next(_submitted)
    if submitted_at is None:
        submitted_at = call.closes_at - timedelta(days=10) + timedelta(minutes=number)
    fields.setdefault("reference", f"{call.reference_prefix}-{submitted_at.year}-{number:05d}")
    app = ApplicationFactory(
        call=call,
        status=fields.pop("status", "in_review"),
        requested_amount=D(str(requested)),
        submitted_at=submitted_at,
        **fields,
    )
    if objectives:
        app.objectives.set(objectives)
    return app


def review(application, scores: dict, *, submitted=True, reviewer=None, conflict=False, comments=None, overall=""):
    """One reviewer's review of `application`: {criterion: score}."""
    assignment = AssignmentFactory(
        application=application,
        reviewer=reviewer or UserFactory(),
        declared_at=timezone.now(),
        conflict=conflict,
    )
    result = ReviewFactory(
        assignment=assignment,
        submitted_at=timezone.now() if submitted else None,
        overall_comment=overall,
        recommendation="fund",
    )
    for criterion_, score in scores.items():
        ScoreFactory(
            review=result,
            criterion=criterion_,
            score=None if score is None else D(str(score)),
            comment=(comments or {}).get(criterion_, ""),
        )
    return result


def reviews(application, *score_sets: dict, **kwargs):
    return [review(application, scores, **kwargs) for scores in score_sets]


def consensus(application, criterion_, score, justification="Het panel kwam tot een gezamenlijk oordeel."):
    return ConsensusScore.objects.create(
        application=application, criterion=criterion_, score=D(str(score)), justification=justification
    )


def manager_of(call, **fields):
    user = UserFactory(**fields)
    CallRoleFactory(call=call, user=user, role=CallRole.Role.MANAGER)
    return user


def member_of(organisation, **fields):
    return MembershipFactory(organisation=organisation, user=UserFactory(**fields), role="owner").user
