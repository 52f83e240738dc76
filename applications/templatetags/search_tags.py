from django import template

from applications.search import snippet_html

register = template.Library()


@register.filter
def search_snippet(snippet):
    """A search snippet with the matched words in <mark>, the rest escaped."""
    return snippet_html(snippet)
