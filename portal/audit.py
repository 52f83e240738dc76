"""Write the audit trail. Services call `record` inside their transaction."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent


def record(subject, action: str, *, by=None, call_id: int | None = None, **data) -> AuditEvent:
    """Append one event about `subject` (any model instance)."""
    if call_id is None:
        call_id = getattr(subject, "call_id", None)
    return AuditEvent.objects.create(
        actor=by if (by is not None and getattr(by, "is_authenticated", False)) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        call_id=call_id,
        data=_jsonable(data),
    )


def events_for(subject):
    return AuditEvent.objects.for_object(subject).select_related("actor")


def _jsonable(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, str | int | float | bool | type(None) | list | dict):
            out[key] = value
        else:
            out[key] = str(value)
    return out


# --- Events in words --------------------------------------------------------------------------
# Each app says what its actions mean (`register_wording` in its AppConfig.ready), so a page can
# show "Deadline moved by Jan Peeters" instead of `deadline_changed`, and `portal` still imports
# no app. A wording is a lazy string with %(name)s placeholders filled from the event's data, or
# a function of the data that returns the text.

_WORDING: dict = {}


def register_wording(wording: dict) -> None:
    """Add {action: text or function(data) -> text} for the actions an app records."""
    _WORDING.update(wording)


def worded_actions() -> list[str]:
    """The actions that have words: what a log meant for people may show."""
    return sorted(_WORDING)


class _Blank(dict):
    def __missing__(self, key):
        return ""


def what_happened(action: str, data: dict | None = None) -> str:
    """An action in words in the active language, its placeholders filled from `data`; an action
    no app has worded reads as its code with spaces."""
    wording = _WORDING.get(action)
    if wording is None:
        return action.replace("_", " ")
    if callable(wording):
        return str(wording(data or {}))
    return str(wording) % _Blank(data or {})


def describe(event) -> str:
    """The event as a sentence in the active language: what happened and, when known, by whom."""
    from django.utils.translation import gettext as _

    what = what_happened(event.action, event.data if isinstance(event.data, dict) else {})
    if event.actor_id is None:
        return what
    return _("%(what)s by %(who)s") % {"what": what, "who": event.actor.get_full_name()}


def recent_for_call(call_id: int, *, limit: int = 15) -> list:
    """The latest worded events of one call, newest first, each with `.text`: one query."""
    events = list(
        AuditEvent.objects.filter(call_id=call_id, action__in=worded_actions())
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    for event in events:
        event.text = describe(event)
    return events
