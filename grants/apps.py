from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Grants")

    def ready(self):
        from portal.audit import register_wording
        from reviews.signals import decision_published
        from reviews.views_funded import register_column

        from . import events, funded, privacy, signals  # noqa: F401 - privacy registers its contributor

        decision_published.connect(signals.on_decision_published, dispatch_uid="grants-open-on-award")
        register_column(funded.PAID_COLUMN)
        register_wording(events.WORDING)
