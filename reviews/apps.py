from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Review and decisions")

    def ready(self):
        from django.db.models.signals import post_migrate

        from applications.signals import application_submitted
        from calls.overview import register_panel
        from calls.signals import demo_seeded, reviewer_removed
        from portal.audit import register_wording

        from . import cockpit, events, figures, privacy, signals  # noqa: F401 - privacy registers its contributor

        demo_seeded.connect(signals.on_demo_seeded, dispatch_uid="reviews-demo")
        register_wording(events.WORDING)
        register_panel(cockpit.panel)
        reviewer_removed.connect(signals.on_reviewer_removed, dispatch_uid="reviews-reviewer-removed")
        application_submitted.connect(signals.on_application_submitted, dispatch_uid="reviews-double-funding")
        # The triggers that mark stored score figures stale, after every migrate (reviews/figures.py).
        post_migrate.connect(figures.on_post_migrate, sender=self, dispatch_uid="reviews-figure-triggers")
        signals.watch_score_writes()
