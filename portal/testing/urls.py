"""Every URL pattern the resolver knows, as data: shared by the tests that must grow by themselves
when a route is added (the no-500 crawler, the authorization matrix).

`walk()` flattens `get_resolver().url_patterns` into `Pattern`s (full route, namespaced name,
parameter names); `build()` turns one into an address with the given parameters. Each caller
decides which patterns it leaves out through `keep`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver


@dataclass
class Pattern:
    route: str  # the full route, with <converter:name> or a regex
    name: str  # namespaced name ("admin:" alone for the admin's unnamed patterns)
    params: tuple[str, ...]


def walk(
    patterns, prefix: str = "", namespace: str = "", keep: Callable[[str, str], bool] | None = None
) -> list[Pattern]:
    """Every URL pattern under `patterns`; `keep(route, url_name)` (the name without namespace)
    leaves out what it answers False for."""
    found = []
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            inner = namespace + (f"{p.namespace}:" if p.namespace else "")
            found += walk(p.url_patterns, prefix + route, inner, keep)
        elif isinstance(p, URLPattern):
            full = prefix + route
            if keep is not None and not keep(full, p.name or ""):
                continue
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", full)) or tuple(re.findall(r"\(\?P<(\w+)>", full))
            found.append(Pattern(full, namespace + (p.name or ""), params))
    return found


def build(pattern: Pattern, kwargs: dict) -> str:
    """The address of `pattern` with `kwargs` filled in (regex routes too, such as allauth's)."""
    route = pattern.route
    if "(?P<" in route:
        route = route.replace("^", "").replace("$", "")
        for name, value in kwargs.items():
            route = re.sub(rf"\(\?P<{name}>[^)]*\)", lambda _m, v=value: str(v), route)
        return "/" + route
    for name, value in kwargs.items():
        route = re.sub(rf"<(?:\w+:)?{name}>", lambda _m, v=value: str(v), route)
    return "/" + route
