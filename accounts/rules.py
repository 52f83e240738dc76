"""Who may see and manage an organisation (DESIGN §3, §5). The only place this is decided."""

import rules
from django.conf import settings

from .models import Membership


def _role(user, organisation) -> str | None:
    """The user's role in the organisation, or None."""
    if organisation is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.active()
        .filter(organisation_id=organisation.pk, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


@rules.predicate
def is_organisation_member(user, organisation):
    return _role(user, organisation) is not None


@rules.predicate
def is_organisation_owner(user, organisation):
    return _role(user, organisation) == Membership.Role.OWNER


@rules.predicate
def owns_membership_organisation(user, membership):
    return membership is not None and is_organisation_owner(user, membership.organisation)


@rules.predicate
def is_own_membership(user, membership):
    return membership is not None and user.is_authenticated and membership.user_id == user.pk


@rules.predicate
def has_two_factor_if_required(user):
    """Staff and reviewers reach proposal content only with two-factor authentication when
    REQUIRE_STAFF_MFA is on (DESIGN §5). Other apps combine it with every staff or reviewer
    branch of their rules, so no URL or API route can sidestep it."""
    if not settings.REQUIRE_STAFF_MFA:
        return True
    if not user.is_authenticated:
        return False
    from .middleware import has_second_factor, needs_mfa

    return not needs_mfa(user) or has_second_factor(user)


rules.add_perm("accounts.view_organisation", rules.is_authenticated & is_organisation_member)
rules.add_perm("accounts.change_organisation", rules.is_authenticated & is_organisation_owner)
rules.add_perm("accounts.manage_members", rules.is_authenticated & is_organisation_owner)
# Owners remove members; anyone may leave. Whether the last owner may go is a business rule of
# accounts.services.remove_member, not an access question.
rules.add_perm(
    "accounts.remove_membership", rules.is_authenticated & (owns_membership_organisation | is_own_membership)
)

# A person's rights (accounts/privacy.py): everyone logged in downloads their own data and may
# ask for erasure; administrators handle the requests.
rules.add_perm("accounts.export_own_data", rules.is_authenticated)
rules.add_perm("accounts.request_erasure", rules.is_authenticated)
rules.add_perm("accounts.handle_erasure_requests", rules.is_authenticated & rules.is_superuser)
