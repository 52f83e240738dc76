"""Reviewer access. A reviewer sees an application only while assigned and in the call's
reviewer pool, after declaring no conflict of interest; before that only its title, acronym,
lead organisation and partners. Removal from the pool ends every access at once, whatever
assignments remain (DESIGN §5)."""

import rules

from accounts.rules import has_two_factor_if_required
from applications.rules import can_view_application, is_org_member, is_staff_of
from calls.rules import is_call_reviewer

from .models import Assignment


@rules.predicate
def in_reviewer_pool_of(user, application):
    """The user has the reviewer role in the application's call now."""
    return application is not None and is_call_reviewer(user, application.call)


@rules.predicate
def _has_active_assignment(user, application):
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.active().filter(application=application, reviewer_id=user.pk).exists()


@rules.predicate
def _has_cleared_assignment(user, application):
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.cleared().filter(application=application, reviewer_id=user.pk).exists()


# Assigned and not released by a declared conflict (may see the declaration page).
is_assigned = in_reviewer_pool_of & _has_active_assignment
# Declared no conflict: may read the proposal (with two-factor authentication where required).
is_assigned_without_conflict = in_reviewer_pool_of & _has_cleared_assignment & has_two_factor_if_required


# Applications registered the base permission; reviewers who cleared the gate may view too.
rules.set_perm("applications.view_application", can_view_application | is_assigned_without_conflict)
rules.add_perm("reviews.declare_interest", rules.is_authenticated & is_assigned)
rules.add_perm("reviews.review_application", rules.is_authenticated & is_assigned_without_conflict)


@rules.predicate
def sees_other_reviews_by_call_setting(user, application):
    """A cleared reviewer sees the other reviews per the call's setting: never, once their own
    review is submitted, or always."""
    from calls.models import ReviewVisibility

    if application is None or not user.is_authenticated:
        return False
    visibility = application.call.review_visibility
    if visibility == ReviewVisibility.ALWAYS:
        return True
    if visibility == ReviewVisibility.AFTER_OWN:
        return (
            Assignment.objects.cleared()
            .filter(application=application, reviewer_id=user.pk, review__submitted_at__isnull=False)
            .exists()
        )
    return False


# Managers of the call and administrators always see every review; reviewers per call setting.
rules.add_perm(
    "reviews.view_other_reviews",
    rules.is_authenticated & (is_staff_of | (is_assigned_without_conflict & sees_other_reviews_by_call_setting)),
)


@rules.predicate
def decision_is_published(user, application):
    return application is not None and application.decision_published_at is not None


# The applicant's evaluation summary and decision letter: members of the lead organisation,
# once the decision is published; nobody sees reviewer names there.
rules.add_perm("reviews.view_evaluation", rules.is_authenticated & is_org_member & decision_is_published)
