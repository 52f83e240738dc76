"""Read side of the review: annotated querysets for the staff list, the reviewer dashboard and the
progress pages (each a fixed number of queries however much data), and the criteria that apply
to an application."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from applications import search as application_search
from applications.models import Application, Status
from calls.models import Call, CallRole, Criterion
from portal.models import AuditEvent

from .models import Assignment, ConsensusScore, Review, Score


class Progress:
    """Review progress of an application: submitted reviews against `call.reviews_required`."""

    NONE = "none"
    PARTIAL = "partial"
    COMPLETE = "complete"


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery (no join fan-out, one query for the whole list)."""
    counted = queryset.order_by().values("application_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_review_progress(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `active_reviewers` (assignments not released by a conflict), `cleared_reviewers`
    (declared no conflict), `submitted_reviews`, `released_reviewers` and `review_progress`
    (Progress.NONE / PARTIAL / COMPLETE against the call's `reviews_required`)."""
    active = Assignment.objects.filter(application=OuterRef("pk"), conflict=False)
    return applications.annotate(
        active_reviewers=_count(active),
        cleared_reviewers=_count(active.filter(declared_at__isnull=False)),
        submitted_reviews=_count(active.filter(review__submitted_at__isnull=False)),
        released_reviewers=_count(Assignment.objects.filter(application=OuterRef("pk"), conflict=True)),
    ).annotate(
        review_progress=Case(
            When(submitted_reviews=0, then=Value(Progress.NONE)),
            When(submitted_reviews__lt=F("call__reviews_required"), then=Value(Progress.PARTIAL)),
            default=Value(Progress.COMPLETE),
        )
    )


def submitted_to(call: Call) -> QuerySet[Application]:
    """Applications of `call` that were submitted at some point (drafts stay private)."""
    return Application.objects.filter(call=call, submitted_at__isnull=False).exclude(status=Status.DRAFT)


def staff_list(call: Call) -> QuerySet[Application]:
    """What the staff application list shows per row."""
    return with_review_progress(submitted_to(call).select_related("lead_organisation")).order_by("reference", "pk")


def search(applications: QuerySet[Application], text: str) -> QuerySet[Application]:
    """Full-text search (applications/search.py): reference, title, acronym, organisations,
    summary, answers, partners and PDF text; ranked, with a snippet on PostgreSQL."""
    return application_search.search(applications, text)


# --- Criteria --------------------------------------------------------------------------------


def applicable_criteria(application: Application) -> list[Criterion]:
    """The call's active criteria that apply to `application`: those linked to no objective, and
    those linked to an objective the application addresses. In their order."""
    objective_ids = [o.pk for o in application.objectives.all()]
    return list(
        Criterion.objects.active()
        .filter(call_id=application.call_id)
        .filter(Q(objective__isnull=True) | Q(objective_id__in=objective_ids))
        .select_related("objective")
        .order_by("order", "pk")
    )


# --- Reviewer dashboard ----------------------------------------------------------------------


class State:
    """Where a reviewer is with one assignment."""

    TO_DECLARE = "to_declare"
    TO_REVIEW = "to_review"
    DRAFT = "draft"
    SUBMITTED = "submitted"

    ORDER = (TO_DECLARE, TO_REVIEW, DRAFT, SUBMITTED)


def state_of(assignment: Assignment) -> str:
    if assignment.declared_at is None:
        return State.TO_DECLARE
    review = getattr(assignment, "review", None)
    if review is None:
        return State.TO_REVIEW
    return State.SUBMITTED if review.submitted_at else State.DRAFT


def _state_filter(state: str) -> Q:
    return {
        State.TO_DECLARE: Q(declared_at__isnull=True),
        State.TO_REVIEW: Q(declared_at__isnull=False, review__isnull=True),
        State.DRAFT: Q(declared_at__isnull=False, review__isnull=False, review__submitted_at__isnull=True),
        State.SUBMITTED: Q(review__submitted_at__isnull=False),
    }[state]


REVIEWED_STATUSES = (Status.IN_REVIEW, Status.AWARDED, Status.RESERVE, Status.REJECTED)


def _reviewers_work(reviewer) -> QuerySet[Assignment]:
    # A declared conflict releases an assignment (it is gone for the reviewer); an application
    # withdrawn or found inadmissible after assignment needs no review any more.
    # Taken out of a call's pool: nothing of that call any more, not even its titles (DESIGN §5).
    return Assignment.objects.active().filter(
        reviewer=reviewer,
        application__status__in=REVIEWED_STATUSES,
        application__call__in=Call.objects.filter(roles__user=reviewer, roles__role=CallRole.Role.REVIEWER),
    )


def assignments_of(reviewer, state: str | None = None) -> QuerySet[Assignment]:
    """The reviewer's active assignments, with what a dashboard row shows, due first."""
    assignments = (
        _reviewers_work(reviewer)
        .select_related("application__call", "application__lead_organisation", "review")
        .order_by("due_at", "application__call__title", "application__reference", "pk")
    )
    if state is not None:
        assignments = assignments.filter(_state_filter(state))
    return assignments


def conflicts_of(reviewer) -> QuerySet[Assignment]:
    """The assignments the reviewer was released from by declaring a conflict of interest: they
    stay on the dashboard as "conflict declared" (title and reference only), latest first."""
    return (
        Assignment.objects.filter(reviewer=reviewer, conflict=True)
        .select_related("application__call")
        .order_by("-declared_at", "-pk")
    )


def state_counts(reviewer) -> dict[str, int]:
    """Number of the reviewer's active assignments per State (one query)."""
    counts = (
        Assignment.objects.active()
        .filter(reviewer=reviewer)
        .aggregate(**{state: Count("pk", filter=_state_filter(state)) for state in State.ORDER})
    )
    return {state: counts[state] or 0 for state in State.ORDER}


def pool_calls(reviewer) -> QuerySet[Call]:
    """The calls in whose reviewer pool `reviewer` is, with their number of active assignments."""
    mine = Assignment.objects.active().filter(reviewer=reviewer, application__call=OuterRef("pk"))
    return (
        Call.objects.filter(roles__user=reviewer, roles__role=CallRole.Role.REVIEWER)
        .annotate(
            my_assignments=Coalesce(
                Subquery(
                    mine.order_by().values("application__call").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .distinct()
        .order_by("archived_at", "-closes_at", "pk")
    )


# --- Progress (managers) ---------------------------------------------------------------------


def progress_applications(call: Call) -> QuerySet[Application]:
    """Applications in review (or decided) with their counts and every assignment, released ones too."""
    assignments = Assignment.objects.select_related("reviewer", "review").order_by("assigned_at", "pk")
    return (
        with_review_progress(
            submitted_to(call).filter(status__in=[Status.IN_REVIEW, Status.AWARDED, Status.RESERVE, Status.REJECTED])
        )
        .select_related("lead_organisation")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by("reference", "pk")
    )


@dataclass
class ReviewerProgress:
    reviewer: object
    assigned: int = 0
    declared: int = 0
    drafts: int = 0
    submitted: int = 0
    released: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.assigned - self.submitted


def progress_reviewers(call: Call, now=None) -> list[ReviewerProgress]:
    """Per reviewer of the pool (and anyone else assigned in the call): counts by state (two queries)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    now = now or timezone.now()
    in_call = Q(assignments__application__call=call)
    active = in_call & Q(assignments__conflict=False)
    users = (
        get_user_model()
        .objects.filter(Q(call_roles__call=call, call_roles__role=CallRole.Role.REVIEWER) | in_call)
        .distinct()
        .order_by("full_name", "email")
    )
    counts = (
        get_user_model()
        .objects.filter(pk__in=users.values("pk"))
        .annotate(
            assigned=Count("assignments", filter=active),
            declared=Count("assignments", filter=active & Q(assignments__declared_at__isnull=False)),
            drafts=Count(
                "assignments",
                filter=active & Q(assignments__review__isnull=False, assignments__review__submitted_at__isnull=True),
            ),
            submitted=Count("assignments", filter=active & Q(assignments__review__submitted_at__isnull=False)),
            released=Count("assignments", filter=in_call & Q(assignments__conflict=True)),
            overdue=Count(
                "assignments",
                filter=active & Q(assignments__due_at__lt=now) & ~Q(assignments__review__submitted_at__isnull=False),
            ),
        )
        .order_by("full_name", "email")
    )
    return [ReviewerProgress(u, u.assigned, u.declared, u.drafts, u.submitted, u.released, u.overdue) for u in counts]


def overdue_assignments(call: Call, now=None) -> QuerySet[Assignment]:
    """Reviews of `call` past their due date and not submitted, for applications still in review
    and assignments that count (not released by a conflict); the earliest due first. The
    cockpit lists them and the manager's reminder goes to exactly these reviewers."""
    from django.utils import timezone

    now = now or timezone.now()
    return (
        Assignment.objects.filter(
            application__call=call, application__status=Status.IN_REVIEW, conflict=False, due_at__lt=now
        )
        .exclude(review__submitted_at__isnull=False)
        .order_by("due_at", "pk")
    )


# --- Scores of one application ---------------------------------------------------------------


@dataclass
class CriterionScores:
    criterion: Criterion
    scores: list[Decimal]
    consensus: ConsensusScore | None = None

    @property
    def mean(self) -> Decimal | None:
        if not self.scores:
            return None
        return (sum(self.scores, Decimal("0")) / len(self.scores)).quantize(Decimal("0.01"))

    @property
    def spread(self) -> Decimal | None:
        return (max(self.scores) - min(self.scores)) if self.scores else None


def submitted_reviews(application: Application) -> list[Review]:
    """Submitted reviews of active assignments (a declared conflict discards a review), with scores."""
    return list(
        Review.objects.filter(
            assignment__application=application, assignment__conflict=False, submitted_at__isnull=False
        )
        .select_related("assignment__reviewer")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .order_by("submitted_at", "pk")
    )


def criterion_scores(
    application: Application, criteria: list[Criterion], reviews: list[Review]
) -> list[CriterionScores]:
    """Per applicable criterion: the submitted scores and the consensus score, if any."""
    consensus = {c.criterion_id: c for c in ConsensusScore.objects.filter(application=application)}
    rows = []
    for criterion in criteria:
        scores = [
            s.score
            for review in reviews
            for s in review.scores.all()
            if s.criterion_id == criterion.pk and s.score is not None
        ]
        rows.append(CriterionScores(criterion, scores, consensus.get(criterion.pk)))
    return rows


# --- Timeline --------------------------------------------------------------------------------


def timeline_for(application: Application) -> QuerySet[AuditEvent]:
    """Staff's audit timeline of an application: its own events and those of its assignments,
    reviews and consensus (recorded on those objects, so the applicant's timeline never shows
    reviewers)."""
    types = ContentType.objects.get_for_models(Application, Assignment, Review, ConsensusScore)
    assignment_ids = Assignment.objects.filter(application=application).values("pk")
    review_ids = Review.objects.filter(assignment__application=application).values("pk")
    consensus_ids = ConsensusScore.objects.filter(application=application).values("pk")
    return (
        AuditEvent.objects.filter(
            Q(content_type=types[Application], object_id=application.pk)
            | Q(content_type=types[Assignment], object_id__in=assignment_ids)
            | Q(content_type=types[Review], object_id__in=review_ids)
            | Q(content_type=types[ConsensusScore], object_id__in=consensus_ids)
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
