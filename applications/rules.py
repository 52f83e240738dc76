"""Who may see and change an application (DESIGN §5). Reviewers' access is added by
reviews/rules.py, which knows about assignments."""

import rules

from accounts.models import Membership
from accounts.rules import has_two_factor_if_required
from calls.rules import is_admin, is_call_manager

from .models import Status


@rules.predicate
def is_org_member(user, application):
    if application is None or not user.is_authenticated:
        return False
    return (
        Membership.objects.active().filter(organisation_id=application.lead_organisation_id, user_id=user.pk).exists()
    )


@rules.predicate
def manages_call_of(user, application):
    return application is not None and is_call_manager(user, application.call)


@rules.predicate
def is_submitted(user, application):
    """Submitted and not a draft again. A draft is the applicant's alone, also one reopened
    after submission (it keeps its reference; docs/decisions.md)."""
    return application is not None and application.submitted_at is not None and application.status != Status.DRAFT


# Staff (the call's managers, administrators) see an application once it is submitted, and only
# with two-factor authentication where it is required. Reviews adds the reviewers' branch.
is_staff_of = is_submitted & has_two_factor_if_required & (manages_call_of | is_admin)

can_view_application = rules.is_authenticated & (is_org_member | is_staff_of)

rules.add_perm("applications.view_application", can_view_application)
rules.add_perm("applications.change_application", rules.is_authenticated & is_org_member)
rules.add_perm("applications.manage_application", rules.is_authenticated & is_staff_of)


@rules.predicate
def is_never_submitted_draft(user, application):
    return (
        application is not None
        and application.status == Status.DRAFT
        and application.submitted_at is None
        and not application.reference
    )


rules.add_perm("applications.delete_application", rules.is_authenticated & is_org_member & is_never_submitted_draft)
