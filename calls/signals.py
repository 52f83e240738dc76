"""Signals `calls` sends so that downstream apps can react without `calls` importing them."""

from django.dispatch import Signal

# A call's deadline moved: kwargs call, change (DeadlineChange). Applications tells drafters.
deadline_changed = Signal()

# `seed_calls --demo` has created the demo calls and accounts: kwargs calls (dict slug → Call),
# users (dict name → User), organisations (dict name → Organisation). Downstream apps add
# their demo data (applications, then reviews) in INSTALLED_APPS order.
demo_seeded = Signal()

# A reviewer left a call's reviewer pool: kwargs call, user, by. Reviews releases the reviewer's
# open assignments in the call (inside the caller's transaction) and answers a
# `ReviewerRemoval` saying how many it released and how many submitted reviews keep counting.
reviewer_removed = Signal()
