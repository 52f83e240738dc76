"""Every change of the review: admissibility, assignment, conflict-of-interest declarations,
reviews and consensus. One function per change, one transaction, an audit event, notifications
queued in the outbox (sent after commit).

Services take `by=user` (None: the system, e.g. demo data), never a request. A refusal raises
`ReviewError` (a `TransitionError`, so views handle both alike) with a message for the user;
problems with individual fields of a review or a consensus raise `ValidationError` keyed by
the form's field names (`score_<criterion pk>`, `comment_<pk>`, `justification_<pk>`, …).

Ranking and decisions live in `scoring.py` and `decisions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import selectors as application_selectors
from applications import services as application_services
from applications.models import Application, Status
from applications.workflow import TransitionError
from calls.models import Call, CallRole
from portal import audit
from portal.notifications import notify

from . import assignment as planner
from . import expertise, queries
from .models import AdmissibilityCheck, Assignment, Consensus, ConsensusScore, Recommendation, Review, Score


class ReviewError(TransitionError):
    """A review action was refused; `message` says why."""


def _ensure_manager(call: Call, by) -> None:
    if by is not None and not by.has_perm("calls.manage_call", call):
        raise ReviewError(_("You are not allowed to do this."))


# === Admissibility ===========================================================================


WAIVER_FINDINGS = {"grant_share_waiver_pending", "grant_share_needs_waiver", "grant_share_waiver_refused"}


def waiver_refusal(application: Application) -> str | None:
    """Why the application cannot be admitted yet because of its co-financing (None: it can)."""
    codes = {f.code for f in application_selectors.findings_for(application)}
    if "grant_share_waiver_pending" in codes:
        return _("Decide on the co-financing waiver first: the application asks more than the usual share.")
    if codes & WAIVER_FINDINGS:
        return _("The requested grant is above the co-financing limit without an accepted waiver.")
    return None


@transaction.atomic
def admit(application: Application, *, by) -> AdmissibilityCheck:
    """Admissible: the application goes into review (submitted → in_review). Not while a
    co-financing waiver it depends on is undecided or refused."""
    reason = waiver_refusal(application)
    if reason:
        raise ReviewError(reason)
    application = application_services.mark_admissible(application, by=by)
    return AdmissibilityCheck.objects.create(
        application=application, outcome=AdmissibilityCheck.Outcome.ADMISSIBLE, decided_by=by
    )


@transaction.atomic
def mark_incomplete(
    application: Application, *, by, missing: str, deadline: datetime | None = None
) -> AdmissibilityCheck:
    """Something is missing: the applicant may complete it before `deadline` (default: the
    call's `completion_days` from now) and is told what."""
    application = application_services.mark_incomplete(application, by=by, missing=missing, deadline=deadline)
    return AdmissibilityCheck.objects.create(
        application=application,
        outcome=AdmissibilityCheck.Outcome.INCOMPLETE,
        note=application.completion_request,
        completion_deadline=application.completion_deadline,
        decided_by=by,
    )


@transaction.atomic
def mark_inadmissible(application: Application, *, by, motivation: str) -> AdmissibilityCheck:
    """Inadmissible, with the motivation the applicant receives."""
    application = application_services.mark_inadmissible(application, by=by, motivation=motivation)
    return AdmissibilityCheck.objects.create(
        application=application,
        outcome=AdmissibilityCheck.Outcome.INADMISSIBLE,
        note=motivation.strip(),
        decided_by=by,
    )


@transaction.atomic
def decide_waiver(
    application: Application, *, accepted: bool, motivation: str, by, deadline: datetime | None = None
) -> Application:
    """Accept or refuse the co-financing waiver. A refusal asks the applicant to lower the
    request before `deadline` (the completion period); an application that does not is then
    inadmissible, as for anything else missing."""
    _ensure_manager(application.call, by)
    application = application_services.decide_waiver(application, accepted=accepted, motivation=motivation, by=by)
    if not accepted and application.status == Status.SUBMITTED:
        missing = _(
            "The administration refused the exception to the co-financing: %(motivation)s Lower the requested "
            "grant to the usual share of the total cost before the deadline; otherwise the application is "
            "inadmissible."
        ) % {"motivation": motivation.strip()}
        mark_incomplete(application, by=by, missing=missing, deadline=deadline)
        application.refresh_from_db()
    return application


# === Assignment ==============================================================================


def pool_of(call: Call):
    """The call's reviewer pool (active users with the reviewer role)."""
    return (
        get_user_model()
        .objects.filter(call_roles__call=call, call_roles__role=CallRole.Role.REVIEWER, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


def managers_of(call: Call) -> list:
    managers = application_services.managers_of(call)
    return managers or list(get_user_model().objects.filter(is_superuser=True, is_active=True))


def application_facts(application: Application) -> planner.ApplicationFacts:
    """The organisations an application involves, as the planner compares them (uses the
    prefetched partners and their organisations when present)."""
    lead = application.lead_organisation
    partners = list(application.partners.all())
    partner_orgs = [p.organisation for p in partners if p.organisation_id]
    return planner.ApplicationFacts(
        id=application.pk,
        lead_organisation_id=application.lead_organisation_id,
        lead_kbo=lead.kbo_number,
        lead_email_domain=planner.organisation_domain(lead.email_domain),
        partner_organisation_ids=frozenset(p.organisation_id for p in partners if p.organisation_id),
        partner_kbos=frozenset({p.kbo_number for p in partners} | {o.kbo_number for o in partner_orgs}) - {""},
        partner_email_domains=frozenset(
            {planner.organisation_domain(p.contact_email) for p in partners}
            | {planner.organisation_domain(o.email_domain) for o in partner_orgs}
        )
        - {""},
    )


def reviewer_facts(reviewer) -> planner.ReviewerFacts:
    """A reviewer's organisations, as the planner compares them (uses prefetched memberships)."""
    organisations = [m.organisation for m in reviewer.memberships.all()]
    return planner.ReviewerFacts(
        id=reviewer.pk,
        organisation_ids=frozenset(o.pk for o in organisations),
        kbos=frozenset(o.kbo_number for o in organisations) - {""},
        email_domains=frozenset(
            {planner.organisation_domain(reviewer.email)}
            | {planner.organisation_domain(o.email_domain) for o in organisations}
        )
        - {""},
    )


TIE_MESSAGES = {
    "organisation": lambda: _("%(reviewer)s belongs to the lead organisation or a partner of this application."),
    "kbo": lambda: _(
        "%(reviewer)s belongs to an organisation with the enterprise number of the lead organisation or a partner."
    ),
    "email_domain": lambda: _(
        "%(reviewer)s has the e-mail domain of the lead organisation or a partner of this application."
    ),
}


def assignment_refusal(application: Application, reviewer, *, pool_ids=None, existing=None) -> str | None:
    """Why `reviewer` may not be assigned to `application` (None: they may). The same rules as
    the automatic assignment: in review, from the pool, not yet assigned, no declared conflict,
    no tie with the lead or a partner organisation."""
    name = str(reviewer)
    if application.status != Status.IN_REVIEW:
        return _("%(application)s is not in review: admit it first.") % {"application": application}
    if pool_ids is None:
        pool_ids = set(pool_of(application.call).values_list("pk", flat=True))
    if reviewer.pk not in pool_ids:
        return _("%(reviewer)s is not in the reviewer pool of this call.") % {"reviewer": name}
    if existing is None:
        existing = {a.reviewer_id: a for a in Assignment.objects.filter(application=application)}
    if reviewer.pk in existing:
        if existing[reviewer.pk].conflict:
            return _("%(reviewer)s declared a conflict of interest on %(application)s.") % {
                "reviewer": name,
                "application": application,
            }
        return _("%(reviewer)s is already assigned to %(application)s.") % {
            "reviewer": name,
            "application": application,
        }
    reason = planner.tie(reviewer_facts(reviewer), application_facts(application))
    if reason:
        return TIE_MESSAGES[reason]() % {"reviewer": name}
    return None


def _create_assignment(application: Application, reviewer, *, by, now, automatic: bool) -> Assignment:
    assignment = Assignment.objects.create(
        application=application,
        reviewer=reviewer,
        assigned_by=by,
        due_at=now + timedelta(days=application.call.review_due_days),
    )
    audit.record(
        assignment,
        "reviewer_assigned",
        by=by,
        call_id=application.call_id,
        application=application.pk,
        reviewer=reviewer.email,
        due_at=assignment.due_at.isoformat(),
        automatic=automatic,
    )
    return assignment


def _notify_assigned(assignments: list[Assignment]) -> None:
    """One e-mail per reviewer listing their new assignments and due dates."""
    by_reviewer: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    for items in by_reviewer.values():
        items.sort(key=lambda a: (a.due_at, a.application.reference or ""))
        first = items[0]
        notify(
            first.reviewer,
            "reviews_assigned",
            {"assignments": items, "call": first.application.call, "due_at": first.due_at},
            about=first,
        )


@transaction.atomic
def assign(application: Application, reviewer, *, by, now: datetime | None = None) -> Assignment:
    """Assign one reviewer by hand (same rules as the automatic assignment); they get an e-mail
    with the due date."""
    now = now or timezone.now()
    _ensure_manager(application.call, by)
    application = (
        Application.objects.select_for_update().select_related("call", "lead_organisation").get(pk=application.pk)
    )
    refusal = assignment_refusal(application, reviewer)
    if refusal:
        raise ReviewError(refusal)
    assignment = _create_assignment(application, reviewer, by=by, now=now, automatic=False)
    _notify_assigned([assignment])
    return assignment


@dataclass
class BulkOutcome:
    created: list[Assignment] = field(default_factory=list)
    refused: list[tuple[Application, object, str]] = field(default_factory=list)  # (application, reviewer, why)


@transaction.atomic
def assign_many(applications, reviewers, *, by, now: datetime | None = None) -> BulkOutcome:
    """Assign every reviewer to every application where the rules allow it; report the rest."""
    now = now or timezone.now()
    applications = list(applications)
    reviewers = list(reviewers)
    outcome = BulkOutcome()
    if not applications or not reviewers:
        return outcome
    call = applications[0].call
    _ensure_manager(call, by)
    pool_ids = set(pool_of(call).values_list("pk", flat=True))
    locked = (
        Application.objects.select_for_update()
        .filter(pk__in=[a.pk for a in applications], call=call)
        .select_related("call", "lead_organisation")
        .prefetch_related("partners__organisation")
        .order_by("pk")
    )
    reviewers = list(
        get_user_model().objects.filter(pk__in=[r.pk for r in reviewers]).prefetch_related("memberships__organisation")
    )
    for application in locked:
        existing = {a.reviewer_id: a for a in Assignment.objects.filter(application=application)}
        for reviewer in reviewers:
            refusal = assignment_refusal(application, reviewer, pool_ids=pool_ids, existing=existing)
            if refusal:
                outcome.refused.append((application, reviewer, refusal))
                continue
            outcome.created.append(_create_assignment(application, reviewer, by=by, now=now, automatic=False))
    _notify_assigned(outcome.created)
    return outcome


CALL_MAXIMUM = object()  # assign_automatically's default: the call's `max_reviewer_load`


@dataclass
class AutomaticOutcome:
    created: list[Assignment]  # each with `match` (expertise.Match: affinity and matched words)
    gaps: list[tuple[Application, planner.Gap]]
    loads: dict  # reviewer → active assignments in the call afterwards


@transaction.atomic
def assign_automatically(
    call: Call, *, by, max_load: int | None | object = CALL_MAXIMUM, now: datetime | None = None
) -> AutomaticOutcome:
    """Give every in-review application of `call` its `reviews_required` reviewers from the pool
    (see `reviews.assignment`), keeping existing assignments; reviewers get one e-mail each.
    `max_load`: applications per reviewer at most (None: no maximum; default: the call's).
    Returns what was created and every application still short, with the reason."""
    now = now or timezone.now()
    _ensure_manager(call, by)
    call = Call.objects.select_for_update().get(pk=call.pk)  # one automatic run per call at a time
    if max_load is CALL_MAXIMUM:
        max_load = call.max_reviewer_load
    applications = list(
        Application.objects.filter(call=call, status=Status.IN_REVIEW)
        .select_related("call", "lead_organisation")
        .prefetch_related("partners__organisation")
        .order_by("pk")
    )
    pool = list(pool_of(call).prefetch_related("memberships__organisation"))
    existing = [
        planner.ExistingAssignment(a.application_id, a.reviewer_id, a.conflict)
        for a in Assignment.objects.filter(application__call=call, application__status=Status.IN_REVIEW)
    ]
    matches = expertise.for_call(applications, pool)
    plan = planner.plan(
        [application_facts(a) for a in applications],
        [reviewer_facts(r) for r in pool],
        existing,
        required=call.reviews_required,
        max_load=max_load,
        affinity={pair: match.score for pair, match in matches.items()},
    )
    by_id = {a.pk: a for a in applications}
    reviewers = {r.pk: r for r in pool}
    created = [_create_assignment(by_id[a], reviewers[r], by=by, now=now, automatic=True) for a, r in plan.pairs]
    audit.record(
        call,
        "reviewers_assigned_automatically",
        by=by,
        call_id=call.pk,
        created=len(created),
        short=[{"application": g.application_id, "missing": g.missing, "reason": g.reason} for g in plan.gaps],
        max_load=max_load,
        affinity=plan.affinity / planner.AFFINITY_SCALE,
    )
    _notify_assigned(created)
    for assignment in created:
        assignment.match = matches.get((assignment.application_id, assignment.reviewer_id), expertise.Match())
    return AutomaticOutcome(
        created=created,
        gaps=[(by_id[g.application_id], g) for g in plan.gaps],
        loads={reviewers[r]: n for r, n in plan.loads.items()},
    )


def gap_message(gap: planner.Gap) -> str:
    """Why an application is still short of reviewers, in words."""
    if gap.reason == planner.GapReason.TOO_FEW_REVIEWERS:
        return _(
            "Only %(eligible)s reviewer(s) of the pool may review it: %(tied)s belong to the lead or a partner "
            "organisation and %(conflicts)s declared a conflict of interest. Add reviewers to the pool."
        ) % {"eligible": gap.eligible, "tied": gap.tied, "conflicts": gap.conflicts}
    return _("Every reviewer who may still review it has reached the maximum load. Raise the maximum or add reviewers.")


@transaction.atomic
def release_removed_reviewer(call: Call, reviewer, *, by, release_submitted: bool = False) -> tuple[int, int, int]:
    """A reviewer left the call's pool: every open assignment of theirs in the call (no submitted
    review) is released, with its draft review, so the applications get another reviewer; their
    submitted reviews stay as they were and keep counting (the rules refuse them any access
    from now on), unless the manager releases them too (`release_submitted`): then they stop
    counting, what they said is kept in the audit trail, and the applications get another
    reviewer. Returns (released, kept, dropped)."""
    # Locked, so a review saved at this moment either lands before (and counts) or is refused.
    mine = list(
        Assignment.objects.active()
        .select_for_update(of=("self",))
        .filter(reviewer=reviewer, application__call=call)
        .order_by("pk")
    )
    submitted = {
        review.assignment_id: review
        for review in Review.objects.filter(assignment__in=mine, submitted_at__isnull=False).prefetch_related(
            "scores__criterion"
        )
    }
    released = dropped = 0
    for assignment in mine:
        review = submitted.get(assignment.pk)
        if review is not None and not release_submitted:
            continue
        details = {}
        if review is not None:
            # What the reviewer said stays on record, though it no longer counts.
            details = {
                "submitted_at": review.submitted_at.isoformat(),
                "recommendation": review.recommendation,
                "overall_comment": review.overall_comment,
                "scores": [
                    {
                        "criterion": score.criterion.title,
                        "score": None if score.score is None else str(score.score),
                        "comment": score.comment,
                    }
                    for score in review.scores.all()
                ],
            }
        audit.record(
            assignment,
            "review_released" if review is not None else "assignment_released",
            by=by,
            call_id=call.pk,
            application=assignment.application_id,
            reviewer=reviewer.email,
            reason="removed_from_pool",
            **details,
        )
        assignment.delete()
        if review is not None:
            dropped += 1
        else:
            released += 1
    return released, len(submitted) - dropped, dropped


# === Conflict-of-interest declarations =========================================================


def _ensure_own_active(assignment: Assignment, by) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().select_related("application__call", "reviewer").get(pk=assignment.pk)
    )
    if by is not None and by.pk != assignment.reviewer_id:
        raise ReviewError(_("Only the assigned reviewer can do this."))
    if assignment.conflict:
        raise ReviewError(_("You declared a conflict of interest on this application."))
    return assignment


@transaction.atomic
def declare_no_conflict(
    assignment: Assignment, *, by, confidentiality: bool, now: datetime | None = None
) -> Assignment:
    """The reviewer declares no conflict of interest and accepts confidentiality: from now on they
    may read the proposal and review it."""
    now = now or timezone.now()
    assignment = _ensure_own_active(assignment, by)
    if not confidentiality:
        raise ReviewError(_("Accept the confidentiality of the proposal to continue."))
    if assignment.declared_at is not None:
        return assignment
    assignment.declared_at = now
    assignment.confidentiality_accepted = True
    assignment.save(update_fields=["declared_at", "confidentiality_accepted"])
    audit.record(
        assignment,
        "declared_no_conflict",
        by=by,
        call_id=assignment.application.call_id,
        application=assignment.application_id,
    )
    return assignment


@transaction.atomic
def declare_conflict(assignment: Assignment, *, by, note: str, now: datetime | None = None) -> Assignment:
    """The reviewer declares a conflict of interest: the assignment is released (kept as a record,
    so they are never picked again), they lose all access to the application, and the managers
    are told it needs another reviewer."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ReviewError(_("Describe the conflict of interest in a few words."))
    assignment = _ensure_own_active(assignment, by)
    assignment.conflict = True
    assignment.conflict_note = note
    assignment.declared_at = now
    assignment.save(update_fields=["conflict", "conflict_note", "declared_at"])
    application = assignment.application
    audit.record(assignment, "declared_conflict", by=by, call_id=application.call_id, application=application.pk)
    for manager in managers_of(application.call):
        notify(
            manager,
            "reviews_conflict_declared",
            {"assignment": assignment, "application": application, "call": application.call, "note": note},
            about=assignment,
        )
    return assignment


# === Reviews ===================================================================================


def review_window_open(call: Call, now: datetime | None = None) -> bool:
    """Reviews may be written and changed until the review phase closes (its end date, or the
    publication of the decisions). Admitted proposals may be reviewed before staff formally
    start the review phase: admissibility runs while a call is still open."""
    now = now or timezone.now()
    if call.archived_at or call.decisions_published_at:
        return False
    if call.review_started_at is not None:
        return call.is_review_open(now)
    return call.review_closes_at is None or now < call.review_closes_at


def parse_score(value) -> Decimal | None:
    """A typed score as a Decimal ("2,5" and "2.5" alike); None when empty; ValueError when not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(value)
    if not number.is_finite():
        raise ValueError(value)
    return number


def score_error(call: Call, score: Decimal) -> str | None:
    """Why `score` is not on the call's scale (None: it is): 0 … max_score in steps of score_step."""
    if score < 0 or score > call.max_score:
        return _("A score is between 0 and %(max)s.") % {"max": format_score(call.max_score)}
    if score % call.score_step != 0:
        return _("A score goes in steps of %(step)s (for example %(example)s).") % {
            "step": format_score(call.score_step),
            "example": ", ".join(format_score(s) for s in call.score_choices()[:4]) + ", …",
        }
    return None


def threshold_warnings(criteria, scores: dict) -> list[str]:
    """A warning (never a refusal) per criterion whose score falls below its threshold: a score
    below the threshold makes the proposal fail, so the reviewer should mean it."""
    warnings = []
    for criterion in criteria:
        entry = scores.get(criterion.pk)
        score = getattr(entry, "score", entry)
        if criterion.below_threshold(score):
            warnings.append(
                _(
                    "Your score for “%(criterion)s” (%(score)s) is below its threshold of %(threshold)s: "
                    "a proposal below a threshold is not funded. Make sure your comment explains why."
                )
                % {
                    "criterion": criterion.title,
                    "score": format_score(score),
                    "threshold": format_score(criterion.threshold),
                }
            )
    return warnings


def format_score(value: Decimal) -> str:
    """A score or step as people write it in the active language (2,5 in Dutch)."""
    from django.utils.formats import number_format

    text = format(value.normalize(), "f")
    return number_format(Decimal(text), decimal_pos=len(text.split(".")[1]) if "." in text else 0)


@dataclass(frozen=True)
class ScoreInput:
    score: Decimal | None = None
    comment: str = ""


@transaction.atomic
def save_review(
    assignment: Assignment,
    *,
    by,
    scores: dict[int, ScoreInput],
    overall_comment: str = "",
    recommendation: str = "",
    submit: bool = False,
    now: datetime | None = None,
) -> Review:
    """Save the reviewer's review (a draft, or submitted). Scores are keyed by criterion pk; only
    the criteria that apply to the application are accepted, each on the call's scale. Submitting
    needs a score and a comment for every applicable criterion and a recommendation. A submitted
    review stays submitted: it can be changed (completely) until the review phase closes."""
    now = now or timezone.now()
    assignment = Assignment.objects.select_for_update().select_related("application__call").get(pk=assignment.pk)
    application, call = assignment.application, assignment.application.call
    if by is not None and (
        by.pk != assignment.reviewer_id or not by.has_perm("reviews.review_application", application)
    ):
        raise ReviewError(_("You are not allowed to do this."))
    if application.status != Status.IN_REVIEW:
        raise ReviewError(_("This application is no longer in review; its reviews can no longer change."))
    if not review_window_open(call, now):
        raise ReviewError(_("The review phase of this call has closed; reviews can no longer change."))

    criteria = {c.pk: c for c in queries.applicable_criteria(application)}
    review = Review.objects.filter(assignment=assignment).first()
    submit = submit or bool(review and review.submitted_at)
    errors: dict[str, list[str]] = {}
    for pk, entry in scores.items():
        if pk not in criteria:
            errors.setdefault("__all__", []).append(
                _("A score was given for a criterion that does not apply to this application.")
            )
        elif entry.score is not None and (message := score_error(call, entry.score)):
            errors.setdefault(f"score_{pk}", []).append(message)
    if recommendation and recommendation not in Recommendation.values:
        errors.setdefault("recommendation", []).append(_("Choose one of the recommendations."))
    if submit:
        for pk in criteria:
            entry = scores.get(pk, ScoreInput())
            if entry.score is None and f"score_{pk}" not in errors:
                errors.setdefault(f"score_{pk}", []).append(_("Give a score to submit the review."))
            if not (entry.comment or "").strip():
                errors.setdefault(f"comment_{pk}", []).append(_("Explain the score to submit the review."))
        if not recommendation:
            errors.setdefault("recommendation", []).append(_("Choose a recommendation to submit the review."))
    if errors:
        raise ValidationError(errors)

    was_submitted = bool(review and review.submitted_at)
    if review is None:
        review = Review(assignment=assignment)
    review.overall_comment = (overall_comment or "").strip()
    review.recommendation = recommendation or ""
    if submit and not review.submitted_at:
        review.submitted_at = now
    review.save()
    stored = {s.criterion_id: s for s in review.scores.all()}
    for pk, entry in scores.items():
        score = stored.get(pk) or Score(review=review, criterion=criteria[pk])
        comment = (entry.comment or "").strip()
        if score.pk and score.score == entry.score and score.comment == comment:
            continue
        score.score, score.comment = entry.score, comment
        score.save()
    action = "review_changed" if was_submitted else ("review_submitted" if submit else "review_saved")
    audit.record(
        review,
        action,
        by=by,
        call_id=call.pk,
        application=application.pk,
        scores={str(pk): (str(e.score) if e.score is not None else None) for pk, e in scores.items()},
        recommendation=review.recommendation,
    )
    return review


def other_reviews(application: Application, *, viewer) -> list[Review]:
    """The submitted reviews `viewer` may see besides their own (none if the call's setting says
    so); see the `reviews.view_other_reviews` permission."""
    if not viewer.has_perm("reviews.view_other_reviews", application):
        return []
    return [r for r in queries.submitted_reviews(application) if r.assignment.reviewer_id != viewer.pk]


# === Consensus =================================================================================


@dataclass(frozen=True)
class ConsensusInput:
    score: Decimal | None = None
    justification: str = ""


def _ensure_consensus_allowed(application: Application, by) -> None:
    _ensure_manager(application.call, by)
    if application.status != Status.IN_REVIEW or application.call.decisions_published_at:
        raise ReviewError(_("Scores can be settled only while the application is in review."))


@transaction.atomic
def record_consensus(application: Application, *, by, entries: dict[int, ConsensusInput]) -> list[ConsensusScore]:
    """Record a consensus score with a justification per criterion (it replaces the reviewers'
    mean for that criterion in the ranking); an empty score removes the consensus for it."""
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    _ensure_consensus_allowed(application, by)
    call = application.call
    criteria = {c.pk: c for c in queries.applicable_criteria(application)}
    errors: dict[str, list[str]] = {}
    for pk, entry in entries.items():
        if pk not in criteria:
            errors.setdefault("__all__", []).append(
                _("A score was given for a criterion that does not apply to this application.")
            )
        elif entry.score is not None:
            if message := score_error(call, entry.score):
                errors.setdefault(f"score_{pk}", []).append(message)
            if not (entry.justification or "").strip():
                errors.setdefault(f"justification_{pk}", []).append(_("Justify the consensus score."))
    if errors:
        raise ValidationError(errors)
    stored = {c.criterion_id: c for c in ConsensusScore.objects.filter(application=application)}
    saved = []
    for pk, entry in entries.items():
        current = stored.get(pk)
        if entry.score is None:
            if current is not None:
                audit.record(current, "consensus_removed", by=by, call_id=call.pk, application=application.pk)
                current.delete()
            continue
        justification = entry.justification.strip()
        if current is not None and current.score == entry.score and current.justification == justification:
            saved.append(current)
            continue
        current = current or ConsensusScore(application=application, criterion=criteria[pk])
        current.score, current.justification, current.recorded_by = entry.score, justification, by
        current.save()
        audit.record(
            current,
            "consensus_recorded",
            by=by,
            call_id=call.pk,
            application=application.pk,
            criterion=pk,
            score=str(entry.score),
        )
        saved.append(current)
    return saved


@transaction.atomic
def confirm_scores(application: Application, *, by, note: str = "") -> Consensus:
    """Confirm the application's scores as they stand: the reviewers' means, or the consensus
    scores where recorded."""
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    _ensure_consensus_allowed(application, by)
    consensus, _created = Consensus.objects.update_or_create(
        application=application, defaults={"note": (note or "").strip(), "confirmed_by": by}
    )
    audit.record(application, "scores_confirmed", by=by, note=consensus.note)
    return consensus


# === Reminders =================================================================================


def send_review_reminders(*, now: datetime | None = None) -> int:
    """Remind reviewers of unsubmitted reviews `REVIEW_REMINDER_DAYS_BEFORE` days before the due
    date and `REVIEW_REMINDER_DAYS_AFTER` days after it; each reminder goes out at most once
    (the outbox refuses a second one with the same key). Returns how many were queued."""
    now = now or timezone.now()
    before = timedelta(days=settings.REVIEW_REMINDER_DAYS_BEFORE)
    after = timedelta(days=settings.REVIEW_REMINDER_DAYS_AFTER)
    candidates = (
        Assignment.objects.active()
        .filter(application__status=Status.IN_REVIEW, due_at__isnull=False, due_at__lte=now + before)
        .exclude(review__submitted_at__isnull=False)
        .select_related("application__call", "reviewer")
        .order_by("due_at", "pk")
    )
    from portal.models import Notification

    due = []
    for assignment in candidates:
        if not review_window_open(assignment.application.call, now):
            continue
        if now >= assignment.due_at + after:
            due.append((assignment, "after"))
        elif now < assignment.due_at:
            due.append((assignment, "before"))
    keys = {f"review-reminder-{kind}-{a.pk}" for a, kind in due}
    sent = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    queued = 0
    for assignment, kind in due:
        key = f"review-reminder-{kind}-{assignment.pk}"
        if key in sent:
            continue
        notification = notify(
            assignment.reviewer,
            f"reviews_reminder_{kind}",
            {"assignment": assignment, "application": assignment.application, "call": assignment.application.call},
            about=assignment,
            dedupe_key=key,
        )
        queued += notification is not None
    return queued


@transaction.atomic
def remind_overdue_reviewers(call: Call, *, by, now: datetime | None = None) -> int:
    """A manager reminds, now, every reviewer of `call` whose review is overdue
    (`queries.overdue_assignments`) with the "overdue" reminder; at most one such reminder per
    assignment a day, however often the button is pressed. Returns how many were queued."""
    _ensure_manager(call, by)
    now = now or timezone.now()
    if not review_window_open(call, now):
        raise ReviewError(_("The review phase is closed; there is nobody to remind."))
    from portal.models import Notification

    overdue = list(queries.overdue_assignments(call, now).select_related("application__call", "reviewer"))
    day = timezone.localdate(now).isoformat()
    keys = {f"review-reminder-manual-{a.pk}-{day}" for a in overdue}
    sent = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    queued = 0
    for assignment in overdue:
        key = f"review-reminder-manual-{assignment.pk}-{day}"
        if key in sent:
            continue
        notification = notify(
            assignment.reviewer,
            "reviews_reminder_after",
            {"assignment": assignment, "application": assignment.application, "call": assignment.application.call},
            about=assignment,
            dedupe_key=key,
        )
        queued += notification is not None
    audit.record(call, "reviewers_reminded", by=by, call_id=call.pk, count=queued)
    return queued


__all__ = [
    "AutomaticOutcome",
    "BulkOutcome",
    "ConsensusInput",
    "ReviewError",
    "ScoreInput",
    "admit",
    "assign",
    "assign_automatically",
    "assign_many",
    "assignment_refusal",
    "confirm_scores",
    "declare_conflict",
    "declare_no_conflict",
    "gap_message",
    "mark_inadmissible",
    "mark_incomplete",
    "other_reviews",
    "parse_score",
    "pool_of",
    "record_consensus",
    "release_removed_reviewer",
    "remind_overdue_reviewers",
    "review_window_open",
    "save_review",
    "score_error",
    "send_review_reminders",
]
