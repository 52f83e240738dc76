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
