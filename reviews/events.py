"""What the audit actions of the review mean, in words (registered with `portal.audit`)."""

from django.utils.translation import gettext_lazy, ngettext


def _reminded(data) -> str:
    count = int(data.get("count") or 0)
    return ngettext(
        "%(count)s reviewer reminded of an overdue review",
        "%(count)s reviewers reminded of overdue reviews",
        count,
    ) % {"count": count}


def _email_template(text):
    """A decision e-mail event with its outcome and language in words, not codes."""

    def worded(data) -> str:
        from django.conf import settings

        from .models import Decision

        outcome = dict(Decision.Outcome.choices).get(data.get("outcome"), data.get("outcome") or "")
        language = dict(settings.LANGUAGES).get(data.get("language"), data.get("language") or "")
        return text % {"outcome": outcome, "language": language}

    return worded


WORDING = {
    "reviewer_assigned": gettext_lazy("Reviewer %(reviewer)s assigned"),
    "reviewers_assigned_automatically": gettext_lazy("Reviewers assigned automatically"),
    "assignment_released": gettext_lazy("Assignment of %(reviewer)s released"),
    "review_released": gettext_lazy("Submitted review of %(reviewer)s released; it no longer counts"),
    "declared_no_conflict": gettext_lazy("Reviewer declared no conflict of interest"),
    "declared_conflict": gettext_lazy("Reviewer declared a conflict of interest"),
    "review_submitted": gettext_lazy("Review submitted"),
    "review_changed": gettext_lazy("Submitted review changed"),
    "consensus_recorded": gettext_lazy("Consensus score recorded"),
    "consensus_removed": gettext_lazy("Consensus score removed"),
    "scores_confirmed": gettext_lazy("Scores confirmed"),
    "reviewers_reminded": _reminded,
    "scores_exported": gettext_lazy("Scores exported (%(format)s)"),
    "ranking_proposal_applied": gettext_lazy(
        "Ranking proposal applied: %(awarded)s awarded, %(reserved)s reserve, %(rejected)s rejected"
    ),
    "decided": gettext_lazy("Decision recorded"),
    "decision_changed": gettext_lazy("Decision changed"),
    "decision_revised": gettext_lazy("Published decision revised"),
    "award_lapsed": gettext_lazy("Award lapsed"),
    "decision_email_template_saved": _email_template(
        gettext_lazy("Decision e-mail changed (%(outcome)s, %(language)s)")
    ),
    "decision_email_template_reset": _email_template(
        gettext_lazy("Decision e-mail back to the default (%(outcome)s, %(language)s)")
    ),
    "reconsideration_requested": gettext_lazy("Reconsideration requested"),
}
