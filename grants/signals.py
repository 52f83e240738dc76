"""Receivers of signals sent by upstream apps (DESIGN §2: grants is woken, never called)."""


def on_decision_published(sender, decision, by=None, now=None, **kwargs):
    """A published award opens its grant file, in the publishing transaction."""
    from reviews.models import Decision

    from . import services

    if decision.outcome == Decision.Outcome.AWARD:
        services.open_grant(decision, by=by, now=now)
