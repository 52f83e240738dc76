"""What the audit actions of calls mean, in words (registered with `portal.audit` in ready())."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CallRole


def moment(value) -> str:
    """An ISO date and time from an event's data, as the reader's language writes it (Brussels time)."""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return date_format(when, "DATETIME_FORMAT")


def _deadline_moved(data) -> str:
    return _("Deadline moved from %(old)s to %(new)s") % {
        "old": moment(data.get("old")),
        "new": moment(data.get("new")),
    }


def _role(data) -> str:
    return str(CallRole.Role(data["role"]).label) if data.get("role") in CallRole.Role.values else ""


def _role_added(data) -> str:
    return _("%(user)s added as %(role)s") % {"user": data.get("user", ""), "role": _role(data)}


def _role_removed(data) -> str:
    return _("%(user)s removed as %(role)s") % {"user": data.get("user", ""), "role": _role(data)}


WORDING = {
    "call_created": gettext_lazy("Call created"),
    "call_edited": gettext_lazy("Call details changed"),
    "call_items_saved": gettext_lazy("Parts of the call changed"),
    "item_archived": gettext_lazy("Removed from the call (kept for what refers to it): %(name)s"),
    "item_deleted": gettext_lazy("Removed from the call: %(name)s"),
    "item_restored": gettext_lazy("Brought back into the call: %(name)s"),
    "call_published": gettext_lazy("Call published"),
    "call_unpublished": gettext_lazy("Call taken offline"),
    "deadline_changed": _deadline_moved,
    "call_cloned": gettext_lazy("New round created from %(original)s"),
    "role_added": _role_added,
    "role_removed": _role_removed,
    "review_started": gettext_lazy("Review phase started"),
    "review_closed": gettext_lazy("Review phase closed"),
    "decisions_published": gettext_lazy("Decisions published"),
    "call_archived": gettext_lazy("Call archived"),
    "legal_frame_edited": gettext_lazy("Legal frame changed"),
}
