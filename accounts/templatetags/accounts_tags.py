"""Template filters for the accounts pages: `{% load accounts_tags %}`."""

from datetime import timedelta

from django import template

from portal import audit

register = template.Library()


@register.filter
def audit_action(action: str) -> str:
    """An audit action in words (each app registers its own with `portal.audit`)."""
    return audit.what_happened(action)


@register.filter
def minutes(value) -> int:
    """A timedelta (or a number of seconds) in whole minutes, rounded up."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value or 0)
    return max(0, int(-(-seconds // 60)))
