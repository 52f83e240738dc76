"""Template helpers of the calls app: `{% load calls %}`."""

import nh3
from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from calls import eligibility

register = template.Library()

# js-default: no raw HTML, safe links; nh3 then removes anything that slipped through.
_markdown = MarkdownIt("js-default")


@register.filter
def markdown(text):
    """Render staff-written markdown (call descriptions) as sanitised HTML."""
    if not text:
        return ""
    return mark_safe(nh3.clean(_markdown.render(str(text))))  # noqa: S308 - sanitised by nh3


@register.filter
def describe_rule(rule):
    """What an eligibility rule asks, in one sentence (calls.eligibility.describe)."""
    return eligibility.describe(rule)
