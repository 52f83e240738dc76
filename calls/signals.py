"""Signals `calls` sends so that downstream apps can react without `calls` importing them."""

from django.dispatch import Signal

# A call's deadline moved: kwargs call, change (DeadlineChange). Applications tells drafters.
deadline_changed = Signal()

# `seed_calls --demo` has created the demo calls and accounts: kwargs calls (dict slug → Call),
# users (dict name → User), organisations (dict name → Organisation). Downstream apps add
# their demo data (applications, then reviews) in INSTALLED_APPS order.
demo_seeded = Signal()
