from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from calls.signals import deadline_changed, demo_seeded
        from portal.audit import register_wording
        from portal.metrics import register_collector

        from . import events, metrics, privacy, signals  # noqa: F401 - privacy registers its contributor

        register_collector(metrics.submissions)
        register_wording(events.WORDING)

        demo_seeded.connect(signals.on_demo_seeded, dispatch_uid="applications-demo")
        deadline_changed.connect(signals.on_deadline_changed, dispatch_uid="applications-deadline-changed")
