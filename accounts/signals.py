"""Logins go into the audit trail (DESIGN §5: every login is written to the audit log)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal import audit


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def record_login(sender, request, user, **kwargs):
    audit.record(user, "logged_in", by=user)
