"""Who may do what with a call. The only place call access is decided (DESIGN §5)."""

import rules

from .models import CallRole


@rules.predicate
def is_admin(user):
    return user.is_superuser


@rules.predicate
def is_call_manager(user, call):
    if call is None or not user.is_authenticated:
        return False
    return CallRole.objects.filter(call=call, user_id=user.pk, role=CallRole.Role.MANAGER).exists()


@rules.predicate
def is_call_reviewer(user, call):
    if call is None or not user.is_authenticated:
        return False
    return CallRole.objects.filter(call=call, user_id=user.pk, role=CallRole.Role.REVIEWER).exists()


@rules.predicate
def manages_any_call(user):
    return user.is_authenticated and CallRole.objects.filter(user_id=user.pk, role=CallRole.Role.MANAGER).exists()


@rules.predicate
def reviews_for_any_call(user):
    return user.is_authenticated and CallRole.objects.filter(user_id=user.pk, role=CallRole.Role.REVIEWER).exists()


can_manage_call = rules.is_authenticated & (is_admin | is_call_manager)

rules.add_perm("calls.manage_call", can_manage_call)
rules.add_perm("calls.access_management", rules.is_authenticated & (is_admin | manages_any_call))
# What the navigation offers: the reviewer's dashboard to whoever is in a reviewer pool.
rules.add_perm("calls.access_reviewing", rules.is_authenticated & reviews_for_any_call)
rules.add_perm("calls.create_call", rules.is_authenticated & is_admin)
# The legal frame is part of the call: whoever manages the call edits it.
rules.add_perm("calls.edit_legal_frame", can_manage_call)
