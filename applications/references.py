"""Gap-free application references per call: DES-2026-0001, DES-2026-0002, …"""

from django.db import transaction
from django.utils import timezone

from calls.models import Call

from .models import ReferenceCounter


def year_of(call: Call) -> int:
    """The year in the reference: when the call opened, in Brussels."""
    return timezone.localtime(call.opens_at).year


def format_reference(call: Call, number: int) -> str:
    return f"{call.reference_prefix}-{year_of(call)}-{number:04d}"


def next_for(call: Call) -> str:
    """Hand out the call's next reference. Must run inside the caller's transaction: the counter
    row stays locked until it commits, and a rollback gives the number back (no gaps)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("references.next_for must run inside a transaction")
    # get_or_create survives two first submissions racing to create the row (unique call).
    ReferenceCounter.objects.get_or_create(call=call)
    counter = ReferenceCounter.objects.select_for_update().get(call=call)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_reference(call, counter.last)
