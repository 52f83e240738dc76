"""The call cockpit: what a manager reads first on a call's overview page (issue 12).

`cockpit_for(call)` gathers everything in a fixed number of queries, whatever the size of the
call (tests assert it at two sizes):

1. the active criteria;
2. the applications, counted by state in one aggregate (drafts are only counted: their content
   is the applicant's alone), with the requested and awarded amounts and the decisions;
3. the admitted applications' reviewers and reviews (at most `reviews_required` count each);
4. the assignments in progress and overdue;
5. submissions per day (Brussels days);
6. the submitted scores per criterion and score value;
7. the overdue reviews themselves (the first `OVERDUE_SHOWN`).

The phase follows the call's life: open → closed → admissibility → review → ranking →
decisions → published → grants. It is read from the call's dates and flags and from these
figures, so it never needs a field of its own. The page registers itself as a panel of the
call's overview (`calls.overview`), because `calls` may not import what is counted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from applications.models import Application, Status
from calls.models import Call, CallStatus

from . import queries
from .models import Assignment, Decision, Score
from .ranking import RANKED_STATUSES
from .scoring import active_criteria

BRUSSELS = ZoneInfo("Europe/Brussels")
OVERDUE_SHOWN = 20
DAYS_SHOWN = 90  # submissions per day: at most this many days up to the deadline
ZERO = Decimal("0")

PHASES = [
    ("open", pgettext_lazy("call phase", "Open")),
    ("closed", pgettext_lazy("call phase", "Closed")),
    ("admissibility", pgettext_lazy("call phase", "Admissibility")),
    ("review", pgettext_lazy("call phase", "Review")),
    ("ranking", pgettext_lazy("call phase", "Ranking")),
    ("decisions", pgettext_lazy("call phase", "Decisions")),
    ("published", pgettext_lazy("call phase", "Published")),
    ("grants", pgettext_lazy("call phase", "Grants")),
]
PHASE_CODES = [code for code, _label in PHASES]


@dataclass
class Figures:
    drafts: int = 0
    submitted: int = 0  # received and not sent back to draft (withdrawn ones included)
    waiting: int = 0  # submitted, admissibility not checked yet
    incomplete: int = 0
    inadmissible: int = 0
    withdrawn: int = 0
    admissible: int = 0  # admitted to the review (decided or not)
    fully_assigned: int = 0  # admitted applications with all their reviewers
    assigned: int = 0  # active assignments (not released by a conflict)
    reviews_done: int = 0  # submitted reviews that count (at most `reviews_required` per application)
    reviews_required: int = 0  # admitted applications × reviews per application
    reviews_in_progress: int = 0  # drafts of reviews
    overdue: int = 0
    decided: int = 0
    published: int = 0
    awards_published: int = 0
    requested_submitted: Decimal = ZERO
    requested_admissible: Decimal = ZERO
    awarded: Decimal = ZERO

    @property
    def reviews_open(self) -> int:
        return max(self.reviews_required - self.reviews_done, 0)


@dataclass
class Step:
    code: str
    label: str
    state: str  # "done", "current" or "upcoming"


@dataclass
class Cockpit:
    call: Call
    figures: Figures
    phase: str | None  # None: before the call opens (draft or upcoming)
    next_step: str
    steps: list[Step]
    overdue: list[Assignment] = field(default_factory=list)
    charts: dict = field(default_factory=dict)

    @property
    def phase_label(self) -> str:
        return str(dict(PHASES)[self.phase]) if self.phase else str(_("Not open yet"))


def cockpit_for(call: Call, now: datetime | None = None) -> Cockpit:
    """The cockpit of `call` at `now`: figures, phase, charts and overdue reviews (seven queries)."""
    now = now or timezone.now()
    criteria = active_criteria(call)
    figures = _figures(call, now)
    phase = _phase(call, figures, now)
    overdue = list(queries.overdue_assignments(call, now).select_related("reviewer", "application")[:OVERDUE_SHOWN])
    return Cockpit(
        call=call,
        figures=figures,
        phase=phase,
        next_step=_next_step(call, figures, phase, now),
        steps=_steps(phase),
        overdue=overdue,
        charts={
            "submissions": _submissions_per_day(call),
            "reviews": _review_chart(figures),
            "scores": _score_distribution(call, criteria),
            "budget": _budget_chart(call, figures),
        },
    )


# --- figures ----------------------------------------------------------------------------------


def _figures(call: Call, now: datetime) -> Figures:
    admitted = Q(status__in=RANKED_STATUSES)
    received = Q(submitted_at__isnull=False) & ~Q(status=Status.DRAFT)
    counts = Application.objects.filter(call=call).aggregate(
        drafts=Count("pk", filter=Q(status=Status.DRAFT)),
        submitted=Count("pk", filter=received),
        waiting=Count("pk", filter=Q(status=Status.SUBMITTED)),
        incomplete=Count("pk", filter=Q(status=Status.INCOMPLETE)),
        inadmissible=Count("pk", filter=Q(status=Status.INADMISSIBLE)),
        withdrawn=Count("pk", filter=received & Q(status=Status.WITHDRAWN)),
        admissible=Count("pk", filter=admitted),
        decided=Count("pk", filter=Q(decision__isnull=False)),
        published=Count("pk", filter=Q(decision__published_at__isnull=False)),
        awards_published=Count(
            "pk", filter=Q(decision__outcome=Decision.Outcome.AWARD, decision__published_at__isnull=False)
        ),
        requested_submitted=Coalesce(Sum("requested_amount", filter=received & ~Q(status=Status.WITHDRAWN)), ZERO),
        requested_admissible=Coalesce(Sum("requested_amount", filter=admitted), ZERO),
        awarded=Coalesce(Sum("decision__granted_amount", filter=Q(decision__outcome=Decision.Outcome.AWARD)), ZERO),
    )
    required = call.reviews_required
    work = queries.with_review_progress(Application.objects.filter(call=call, status__in=RANKED_STATUSES)).aggregate(
        fully_assigned=Count("pk", filter=Q(active_reviewers__gte=required)),
        assigned=Coalesce(Sum("active_reviewers"), 0),
        reviews_done=Coalesce(Sum(Least("submitted_reviews", Value(required))), 0),
    )
    progress = Assignment.objects.filter(
        application__call=call, application__status__in=RANKED_STATUSES, conflict=False
    ).aggregate(
        in_progress=Count("pk", filter=Q(review__isnull=False, review__submitted_at__isnull=True)),
        overdue=Count(
            "pk",
            filter=Q(application__status=Status.IN_REVIEW, due_at__lt=now) & ~Q(review__submitted_at__isnull=False),
        ),
    )
    return Figures(
        **counts,
        **work,
        reviews_required=counts["admissible"] * required,
        reviews_in_progress=progress["in_progress"],
        overdue=progress["overdue"],
    )


# --- phase ------------------------------------------------------------------------------------


def _phase(call: Call, figures: Figures, now: datetime) -> str | None:
    status = call.status_at(now)
    if status in (CallStatus.DRAFT, CallStatus.UPCOMING):
        return None
    if status == CallStatus.OPEN:
        return "open"
    if call.decisions_published_at:
        return "grants" if figures.awards_published else "published"
    if figures.decided:
        return "decisions"
    if call.review_started_at:
        review_over = call.review_closes_at is not None and now >= call.review_closes_at
        if review_over or (figures.admissible and figures.reviews_done >= figures.reviews_required):
            return "ranking"
        return "review"
    if figures.admissible or figures.incomplete or figures.inadmissible:
        return "admissibility"
    return "closed"


def _steps(phase: str | None) -> list[Step]:
    reached = PHASE_CODES.index(phase) if phase else -1
    steps = []
    for index, (code, label) in enumerate(PHASES):
        state = "done" if index < reached else "current" if index == reached else "upcoming"
        steps.append(Step(code=code, label=str(label), state=state))
    return steps


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _next_step(call: Call, figures: Figures, phase: str | None, now: datetime) -> str:
    """What the manager does next, in one sentence."""
    if phase is None:
        if not call.published:
            return _("Publish the call; it opens on %(opens)s.") % {"opens": _when(call.opens_at)}
        return _("The call opens on %(opens)s.") % {"opens": _when(call.opens_at)}
    if phase == "open":
        return _("The call closes on %(closes)s; then check the admissibility of what was submitted.") % {
            "closes": _when(call.closes_at)
        }
    if phase in ("closed", "admissibility"):
        if figures.waiting or figures.incomplete:
            return _(
                "Check admissibility: %(waiting)s submitted applications still to check, %(incomplete)s waiting "
                "for the applicant to complete them."
            ) % {"waiting": figures.waiting, "incomplete": figures.incomplete}
        return _("Assign reviewers and start the review phase.")
    if phase == "review":
        if figures.fully_assigned < figures.admissible:
            return _("Assign reviewers: %(missing)s applications still lack reviewers.") % {
                "missing": figures.admissible - figures.fully_assigned
            }
        return _("Reviews are being written: %(done)s of %(required)s done, %(overdue)s overdue.") % {
            "done": figures.reviews_done,
            "required": figures.reviews_required,
            "overdue": figures.overdue,
        }
    if phase == "ranking":
        return _("Check the ranking and the funding line, then record the decisions.")
    if phase == "decisions":
        undecided = figures.admissible - figures.decided
        return _("Publish the decisions: %(decided)s recorded, %(undecided)s applications still undecided.") % {
            "decided": figures.decided,
            "undecided": max(undecided, 0),
        }
    if phase == "published":
        return _("The decisions are published; answer any reconsideration requests.")
    return _("Follow the grants: acceptance, payments and reports of the awarded projects.")


# --- charts -----------------------------------------------------------------------------------


def _submissions_per_day(call: Call) -> dict:
    """Submissions per Brussels day from the opening (at most DAYS_SHOWN days) to the deadline;
    earlier ones are counted on the first day shown."""
    per_day = dict(
        queries.submitted_to(call)
        .annotate(day=TruncDate("submitted_at", tzinfo=BRUSSELS))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    last = timezone.localtime(call.closes_at, BRUSSELS).date()
    first = max(timezone.localtime(call.opens_at, BRUSSELS).date(), last - timedelta(days=DAYS_SHOWN - 1))
    if per_day:
        last = max(last, max(per_day))
    days: list[date] = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    counts = [per_day.get(day, 0) for day in days]
    if days:
        counts[0] += sum(n for day, n in per_day.items() if day < first)
    cumulative, running = [], 0
    for n in counts:
        running += n
        cumulative.append(running)
    return {
        "labels": [date_format(day, "SHORT_DATE_FORMAT") for day in days],
        "counts": counts,
        "cumulative": cumulative,
        "deadline": date_format(timezone.localtime(call.closes_at, BRUSSELS).date(), "SHORT_DATE_FORMAT"),
        "label_count": _("Submissions that day"),
        "label_cumulative": _("Submitted in total"),
        "label_deadline": _("Deadline"),
    }


def _review_chart(figures: Figures) -> dict:
    not_started = max(figures.assigned - figures.reviews_done - figures.reviews_in_progress, 0)
    unassigned = max(figures.reviews_required - figures.assigned, 0)
    return {
        "labels": [_("Done"), _("In progress"), _("Not started"), _("Not assigned yet")],
        "values": [figures.reviews_done, figures.reviews_in_progress, not_started, unassigned],
    }


def _score_distribution(call: Call, criteria) -> dict:
    """Per criterion, how many submitted reviews gave each score (a criterion per dataset)."""
    counts = {
        (criterion_id, score): n
        for criterion_id, score, n in Score.objects.filter(
            criterion__in=[c.pk for c in criteria],
            score__isnull=False,
            review__submitted_at__isnull=False,
            review__assignment__conflict=False,
            review__assignment__application__call=call,
            review__assignment__application__status__in=RANKED_STATUSES,
        )
        .values_list("criterion_id", "score")
        .annotate(n=Count("pk"))
        .values_list("criterion_id", "score", "n")
    }
    scale = call.score_choices()
    return {
        "labels": [_score(value) for value in scale],
        "datasets": [
            {
                "label": _("C%(number)s") % {"number": index} + f" {criterion.title}",
                "data": [counts.get((criterion.pk, Decimal(value)), 0) for value in scale],
            }
            for index, criterion in enumerate(criteria, start=1)
        ],
    }


def _score(value) -> str:
    return number_format(Decimal(value).normalize(), use_l10n=True)


def _budget_chart(call: Call, figures: Figures) -> dict:
    return {
        "labels": [
            _("Budget of the call"),
            _("Requested (submitted)"),
            _("Requested (admissible)"),
            _("Awarded"),
        ],
        "values": [
            float(call.total_budget),
            float(figures.requested_submitted),
            float(figures.requested_admissible),
            float(figures.awarded),
        ],
    }


# --- the panel on the call's overview page ----------------------------------------------------


def panel(call: Call, user) -> dict | None:
    """The cockpit as a panel of `calls.overview`: for whoever manages the call."""
    if not user.has_perm("calls.manage_call", call):
        return None
    return {"template": "reviews/cockpit.html", "cockpit": cockpit_for(call)}
