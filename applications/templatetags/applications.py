"""Template helpers for showing applications: {% load applications %}."""

from django import template
from django.utils.translation import gettext as _

from applications import selectors

register = template.Library()


@register.simple_tag
def budget_totals(application):
    """{% budget_totals application as totals %}: totals per category, total cost, funding."""
    return selectors.budget_totals(application)


@register.filter
def answer_display(value):
    """An answer's stored value as text (lists joined, yes/no translated)."""
    if value is None or value == "":
        return ""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return value.get("name", "")
    return str(value)


@register.filter
def attachment_answer(value):
    """The attachment pk of a file question's answer, or None."""
    return value.get("attachment") if isinstance(value, dict) else None


@register.filter
def status_badge(status):
    """Bootstrap colour for a (visible) status."""
    return {
        "draft": "secondary",
        "submitted": "primary",
        "incomplete": "warning",
        "inadmissible": "danger",
        "in_review": "info",
        "awarded": "success",
        "reserve": "warning",
        "rejected": "danger",
        "withdrawn": "dark",
    }.get(str(status), "secondary")
