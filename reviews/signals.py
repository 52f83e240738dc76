"""Signals reviews sends to downstream apps, and receivers of signals sent by upstream apps."""

from django.dispatch import Signal

# Sent inside the publishing transaction for every decision that becomes visible (args:
# decision, by, now). Downstream apps (grants) open what follows from an award.
decision_published = Signal()


def on_demo_seeded(sender, **kwargs):
    # reviews/demo.py adds assignments and reviews to the demo submissions, then decisions.
    from . import demo

    demo.seed(**kwargs)
