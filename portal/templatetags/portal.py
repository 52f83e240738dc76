"""Template filters available in every template (registered as builtins in settings)."""

import rules
from django import template
from django.utils.safestring import mark_safe

from portal import formatting

register = template.Library()


@register.filter
def money(value):
    """{{ amount|money }} → € 1.234.567,89 in Dutch, €1,234,567.89 in English."""
    return formatting.money(value)


@register.filter
def money_cents(value):
    return formatting.money(value, cents=True)


@register.filter
def percent(value, digits=1):
    return formatting.percent(value, digits=int(digits))


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def bare_label(label):
    """A field label without its closing punctuation, for "label: message" in error summaries
    (a label that is a sentence, "… this evaluation.", would read ".:")."""
    return str(label or "").rstrip().rstrip(".:;?!*").rstrip()


@register.simple_tag(takes_context=True)
def nav_current(context, prefix):
    """' aria-current="page"' on the navigation link of the section the page belongs to."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if path == prefix or (prefix != "/" and path.startswith(prefix)):
        return mark_safe(' aria-current="page"')
    return ""


@register.simple_tag(takes_context=True)
def allowed(context, perm: str, obj=None) -> bool:
    """Whether the rules give the signed-in user `perm` (on `obj`). Asked of the rules alone, not
    of every authentication backend: the header asks on every page, and Django's model
    permissions (two queries per user) never decide these."""
    user = context.get("user")
    return bool(user is not None and user.is_active and rules.has_perm(perm, user, obj))


@register.filter
def event_text(event) -> str:
    """{{ event|event_text }}: an audit event in words ("Grant accepted by Eva Peeters")."""
    from portal import audit

    return audit.describe(event)
