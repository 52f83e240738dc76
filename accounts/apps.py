from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from portal.audit import register_wording

        from . import events, privacy, signals  # noqa: F401

        register_wording(events.WORDING)

        signals.connect_socialaccount_signals()
