"""What reviews contributes to a person's data export and to erasure (accounts/privacy.py): a
reviewer's assignments, declarations and reviews. Reviews are part of the funder's file, so a
reviewer's account is anonymised, not deleted."""

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.privacy import Contributor, Package, register

from .models import Assignment, Decision, Reconsideration


def export(user: User, package: Package) -> None:
    assignments = (
        Assignment.objects.filter(reviewer=user)
        .select_related("application", "review")
        .prefetch_related("review__scores__criterion")
        .order_by("pk")
    )
    rows = []
    for assignment in assignments:
        review = getattr(assignment, "review", None)
        rows.append(
            {
                "application": assignment.application.reference,
                "declared_at": assignment.declared_at.isoformat() if assignment.declared_at else None,
                "conflict": assignment.conflict,
                "conflict_note": assignment.conflict_note,
                "review": None
                if review is None
                else {
                    "overall_comment": review.overall_comment,
                    "recommendation": review.recommendation,
                    "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
                    "scores": [
                        {"criterion": str(score.criterion), "score": score.score, "comment": score.comment}
                        for score in review.scores.all()
                    ],
                },
            }
        )
    package.sections["reviews"] = rows


def keep_reasons(user: User) -> list[str]:
    reasons = []
    if Assignment.objects.filter(reviewer=user).exists():
        reasons.append(_("reviews"))
    if Decision.objects.filter(decided_by=user).exists():
        reasons.append(_("decisions"))
    if Reconsideration.objects.filter(requested_by=user).exists():
        reasons.append(_("reconsideration requests"))
    return reasons


register(Contributor("reviews", export, keep_reasons))
