"""Signals reviews sends to downstream apps, and receivers of signals sent by upstream apps."""

from django.dispatch import Signal

# Sent inside the publishing transaction for every decision that becomes visible (args:
# decision, by, now). Downstream apps (grants) open what follows from an award.
decision_published = Signal()


def on_demo_seeded(sender, **kwargs):
    # reviews/demo.py adds assignments and reviews to the demo submissions, then decisions.
    from . import demo

    demo.seed(**kwargs)


def on_reviewer_removed(sender, *, call, user, by, release_submitted=False, **kwargs):
    """A reviewer left a call's pool: their open assignments in it are released (in the caller's
    transaction), their submitted reviews too if the manager asked; the answer tells the manager
    what happened to their work."""
    from calls.services import ReviewerRemoval

    from . import services

    released, kept, dropped = services.release_removed_reviewer(call, user, by=by, release_submitted=release_submitted)
    return ReviewerRemoval(released=released, kept=kept, dropped=dropped)


def on_application_submitted(sender, *, application, **kwargs):
    """A submission committed (or will): the double-funding check runs after it, in Celery."""
    from . import tasks

    tasks.enqueue_duplicate_check(application.pk)


def on_score_write(sender, **kwargs):
    """A score, review or assignment was written: once the transaction commits, bring the stored
    score figures of what it marked stale up to date (reviews/figures.py), once per transaction
    and one batch at most.
    Should that fail, the figures stay marked and are computed from the scores meanwhile; the
    periodic task tries again."""
    from django.db import connection, transaction

    from .scoring import refresh_figures_after_commit as refresh

    if not any(entry[1] is refresh for entry in getattr(connection, "run_on_commit", ())):
        transaction.on_commit(refresh, robust=True)


def watch_score_writes() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Assignment, Review, Score

    for model in (Score, Review, Assignment):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(on_score_write, sender=model, dispatch_uid=f"reviews-figures-{model.__name__}-{name}")
