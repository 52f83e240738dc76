"""Template filters for the accounts pages: `{% load accounts_tags %}`."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# What the audit actions written by accounts.services mean, in the reader's language.
ACTIONS = {
    "organisation_created": _("Organisation created"),
    "organisation_updated": _("Details changed"),
    "member_invited": _("Invitation sent"),
    "invitation_cancelled": _("Invitation withdrawn"),
    "member_joined": _("Member joined"),
    "member_left": _("Member left"),
    "member_removed": _("Member removed"),
    "member_role_changed": _("Role changed"),
}


@register.filter
def audit_action(action: str) -> str:
    return ACTIONS.get(action, action)


@register.filter
def minutes(value) -> int:
    """A timedelta (or a number of seconds) in whole minutes, rounded up."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value or 0)
    return max(0, int(-(-seconds // 60)))
