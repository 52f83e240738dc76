"""Demo review data for `seed_calls --demo` (runs on `calls.signals.demo_seeded`, after the
demo applications). Everything goes through the services, as the manager and the reviewers
would do it, and only what is missing is done: running the seed twice changes nothing.

- desinformatie-demo: the first two submissions (by reference) are admitted and get the three
  demo reviewers, with reviews in every state (submitted, draft, declared but not started, not
  yet declared); the other two stay submitted, for the admissibility journey.
- lokale-besturen-2021: its review phase is started and every application is reviewed by
  reviewer1–3 (no conflicts, all submitted), with scores spread so that the ranking shows a
  funding line against the call's budget and one disagreement between reviewers. No decisions.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from applications.models import Application, Status
from calls import services as call_services

from . import queries, services
from .models import AdmissibilityCheck, Assignment, Recommendation, Review

DES_DEMO = "desinformatie-demo"
LB_2021 = "lokale-besturen-2021"
REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")

# What each demo reviewer has done on the two admitted desinformatie-demo applications:
# "declared" (no conflict, not started), "draft", "submitted", or None (not declared yet).
DES_PLAN = [
    {"reviewer1": "submitted", "reviewer2": "draft", "reviewer3": None},
    {"reviewer1": "declared", "reviewer2": "submitted", "reviewer3": "submitted"},
]

COMMENTS = {
    "high": "Sterk uitgewerkt, met een duidelijke aanpak en realistische planning.",
    "mid": "Degelijk voorstel; de aanpak kan concreter en de resultaten beter meetbaar.",
    "low": "Te weinig onderbouwd: doelgroep en aanpak blijven vaag.",
}
OVERALL = "Het voorstel sluit goed aan bij de oproep. Zie de opmerkingen per criterium."


def seed(*, calls: dict, users: dict, **kwargs) -> None:
    """Add the demo assignments and reviews (see the module docstring). Safe to run again."""
    if not users:
        return
    with transaction.atomic():
        if DES_DEMO in calls:
            _seed_des_demo(calls[DES_DEMO], users)
        if LB_2021 in calls:
            _seed_lb_2021(calls[LB_2021], users)
    from . import demo_decisions  # the ranking's part (what-if amounts; nothing is decided)

    demo_decisions.seed(calls=calls, users=users, **kwargs)


def _step(value: Decimal, call) -> Decimal:
    """Round to the call's scale and step."""
    value = min(max(value, Decimal("0")), call.max_score)
    steps = (value / call.score_step).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return steps * call.score_step


def _comment(score: Decimal) -> str:
    return COMMENTS["high" if score >= 4 else "mid" if score >= 2.5 else "low"]


def _ensure_assigned(applications: list[Application], reviewers: list, manager) -> dict:
    """Assign every reviewer to every application where not yet done (each reviewer gets one
    e-mail); returns {(application pk, reviewer pk): assignment}."""

    def current():
        rows = Assignment.objects.filter(application__in=applications)
        return {(a.application_id, a.reviewer_id): a for a in rows}

    existing = current()
    todo = [a for a in applications if any((a.pk, r.pk) not in existing for r in reviewers)]
    if todo:
        services.assign_many(todo, reviewers, by=manager)  # already assigned pairs are skipped
        existing = current()
    return existing


def _review(assignment: Assignment, reviewer, target: str | None, scores: dict) -> None:
    """Bring one assignment forward to `target` (never backwards: what a person did stays)."""
    if target is None or assignment.conflict:
        return
    if assignment.declared_at is None:
        services.declare_no_conflict(assignment, by=reviewer, confidentiality=True)
    if target == "declared" or Review.objects.filter(assignment=assignment).exists():
        return
    if target == "draft":
        first = next(iter(scores.items()), None)
        partial = {first[0]: first[1]} if first else {}
        services.save_review(assignment, by=reviewer, scores=partial, overall_comment="", submit=False)
        return
    average = sum((s.score for s in scores.values()), Decimal("0")) / max(len(scores), 1)
    recommendation = (
        Recommendation.FUND
        if average >= 3.5
        else Recommendation.FUND_WITH_CHANGES
        if average >= 2.5
        else Recommendation.DO_NOT_FUND
    )
    services.save_review(
        assignment, by=reviewer, scores=scores, overall_comment=OVERALL, recommendation=recommendation, submit=True
    )


def _scores(application: Application, base: Decimal, offset: Decimal, *, twist=0, disagree_on_first=False) -> dict:
    call = application.call
    result = {}
    for index, criterion in enumerate(queries.applicable_criteria(application)):
        value = base + offset + Decimal("0.5") * (((index + twist) % 3) - 1)
        if disagree_on_first and index == 0:
            value = base + 3 * offset  # reviewers far apart on the first criterion
        score = _step(value, call)
        result[criterion.pk] = services.ScoreInput(score, _comment(score))
    return result


def _seed_des_demo(call, users: dict) -> None:
    manager = users["manager"]
    reviewers = [users[key] for key in REVIEWERS]
    submissions = list(
        Application.objects.filter(call=call, submitted_at__isnull=False)
        .exclude(status=Status.DRAFT)
        .order_by("reference")
    )
    admitted = []
    for application in submissions[:2]:
        if application.status == Status.SUBMITTED:
            services.admit(application, by=manager)
            application.refresh_from_db()
        if application.status == Status.IN_REVIEW:
            admitted.append(application)
    assignments = _ensure_assigned(admitted, reviewers, manager)
    for index, (application, plan) in enumerate(zip(admitted, DES_PLAN, strict=False)):
        for offset, key, reviewer in zip(
            (Decimal("0.5"), Decimal("0"), Decimal("-0.5")), REVIEWERS, reviewers, strict=True
        ):
            scores = _scores(application, Decimal("3.5") - index, offset)
            _review(assignments[application.pk, reviewer.pk], reviewer, plan[key], scores)


def _seed_lb_2021(call, users: dict) -> None:
    manager = users["manager"]
    reviewers = [users[key] for key in REVIEWERS]
    applications = list(Application.objects.filter(call=call, status=Status.IN_REVIEW).order_by("submitted_at", "pk"))
    if not applications:
        return
    if call.review_started_at is None and call_services.can_start_review(call):
        call = call_services.start_review(call, by=manager)
    assignments = _ensure_assigned(applications, reviewers, manager)
    for index, application in enumerate(applications):
        if not AdmissibilityCheck.objects.filter(application=application).exists():
            AdmissibilityCheck.objects.create(
                application=application, outcome=AdmissibilityCheck.Outcome.ADMISSIBLE, decided_by=manager
            )
        # Every proposal passes (the budget, not the quality, draws the line), each with its own
        # level between 3 and 4.5; the sixth one splits the reviewers on its first criterion.
        base = Decimal("3") + Decimal("0.5") * ((index * 7) % 4)
        for offset, reviewer in zip((Decimal("0.5"), Decimal("0"), Decimal("-0.5")), reviewers, strict=True):
            scores = _scores(application, base, offset, twist=index, disagree_on_first=index == 5)
            _review(assignments[application.pk, reviewer.pk], reviewer, "submitted", scores)
