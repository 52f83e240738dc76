"""The call's overview page is the manager's start page; what it shows beyond the call itself
(figures of the applications, the review, the decisions) belongs to apps downstream of
`calls`. They add it here, as panels, in their AppConfig.ready(), so `calls` imports none of
them (DESIGN §2), the same way `reviews.views_funded.register_column` lets `grants` add a
column to /funded/.

A panel is a function `(call, user) -> dict | None`: None shows nothing, a dict is the context
of the template named by its "template" key. Panels are shown in the order they were added."""

_PANELS: list = []


def register_panel(panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def panels_for(call, user) -> list[dict]:
    return [context for context in (panel(call, user) for panel in _PANELS) if context]
