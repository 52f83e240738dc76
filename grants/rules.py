"""Who may see and act on a grant (DESIGN §5): owners of the beneficiary accept, members
report and ask for amendments, managers of the call (and admins) run the file, and nobody
approves a payment order they proposed. The only place grant access is decided."""

import rules

from accounts.models import Membership
from accounts.rules import has_two_factor_if_required
from calls.rules import is_admin, is_call_manager


def _grant_of(obj):
    return getattr(obj, "grant", obj)


@rules.predicate
def is_beneficiary_member(user, obj):
    grant = _grant_of(obj)
    if grant is None or not user.is_authenticated:
        return False
    return Membership.objects.active().filter(organisation_id=grant.beneficiary_id, user_id=user.pk).exists()


@rules.predicate
def is_beneficiary_owner(user, obj):
    grant = _grant_of(obj)
    if grant is None or not user.is_authenticated:
        return False
    return (
        Membership.objects.active()
        .filter(organisation_id=grant.beneficiary_id, user_id=user.pk, role=Membership.Role.OWNER)
        .exists()
    )


@rules.predicate
def manages_grant_call(user, obj):
    grant = _grant_of(obj)
    return grant is not None and is_call_manager(user, grant.call)


@rules.predicate
def proposed_it(user, order):
    return order is not None and order.proposed_by_id == user.pk


# Staff reach a grant file only with two-factor authentication (DESIGN §5), on /grants/ too,
# which the staff middleware does not guard.
is_grant_staff = rules.is_authenticated & has_two_factor_if_required & (manages_grant_call | is_admin)

rules.add_perm("grants.view_grant", rules.is_authenticated & (is_beneficiary_member | is_grant_staff))
rules.add_perm("grants.accept_grant", rules.is_authenticated & is_beneficiary_owner)
rules.add_perm("grants.report_grant", rules.is_authenticated & is_beneficiary_member)
rules.add_perm("grants.request_amendment", rules.is_authenticated & is_beneficiary_member)
rules.add_perm("grants.manage_grant", is_grant_staff)
rules.add_perm("grants.propose_payment", is_grant_staff)
# Four eyes: the same rule the service enforces, asked by pages and API before they offer it.
rules.add_perm("grants.approve_payment", is_grant_staff & ~proposed_it)
