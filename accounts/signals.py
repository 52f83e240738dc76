"""Logins go into the audit trail (DESIGN §5: every login is written to the audit log)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal import audit


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def record_login(sender, request, user, **kwargs):
    audit.record(user, "logged_in", by=user)


def _apply_government_claims(sender, request, user, sociallogin=None, **kwargs):
    """allauth's login signal (every login through allauth, with `sociallogin` for the
    government login): claims to facts, or forget a previous government login's assurance."""
    from . import oidc

    if request is None:
        return
    if sociallogin is not None and sociallogin.account.provider == oidc.PROVIDER_ID:
        oidc.after_login(request, user, sociallogin, kwargs.get("response"))
    else:
        oidc.forget_login(request)


def _government_account_linked(sender, request, sociallogin, **kwargs):
    from . import oidc

    if request is not None and sociallogin.account.provider == oidc.PROVIDER_ID:
        oidc.after_login(request, sociallogin.user, sociallogin)


def connect_socialaccount_signals() -> None:
    from allauth.account.signals import user_logged_in as allauth_user_logged_in
    from allauth.socialaccount.signals import social_account_added

    allauth_user_logged_in.connect(_apply_government_claims, dispatch_uid="accounts.government_login")
    social_account_added.connect(_government_account_linked, dispatch_uid="accounts.government_linked")
