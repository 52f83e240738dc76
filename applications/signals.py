"""Signals applications sends (first), and receivers of signals sent by upstream apps
(connected in apps.py)."""

from django.dispatch import Signal

# An application was submitted or resubmitted (inside the submitting transaction): kwargs
# application. Downstream apps queue their checks with transaction.on_commit, never inline.
application_submitted = Signal()


def on_demo_seeded(sender, **kwargs):
    # applications/demo.py adds drafts and submissions for the demo organisations.
    from . import demo

    demo.seed(**kwargs)


def on_deadline_changed(sender, *, call, change, **kwargs):
    """A call's deadline moved: everyone with a draft in it is told (inside the caller's
    transaction, so the e-mails are queued only if the change commits)."""
    from . import services

    services.notify_deadline_changed(call, change)
