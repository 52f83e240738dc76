"""Reviewer access. A reviewer sees an application only while assigned, after declaring no
conflict of interest; before that only its title, acronym, lead organisation and partners."""

import rules

from applications.rules import can_view_application

from .models import Assignment


@rules.predicate
def is_assigned(user, application):
    """Assigned and not released by a declared conflict (may see the declaration page)."""
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.active().filter(application=application, reviewer_id=user.pk).exists()


@rules.predicate
def is_assigned_without_conflict(user, application):
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.cleared().filter(application=application, reviewer_id=user.pk).exists()


# Applications registered the base permission; reviewers who cleared the gate may view too.
rules.set_perm("applications.view_application", can_view_application | is_assigned_without_conflict)
rules.add_perm("reviews.declare_interest", rules.is_authenticated & is_assigned)
rules.add_perm("reviews.review_application", rules.is_authenticated & is_assigned_without_conflict)
