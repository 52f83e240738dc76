from django.conf import settings
from django.db import models


class Identity(models.Model):
    """What the provider says about a person at their next login, set on its login page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity")
    claims = models.JSONField(default=dict)
    # "", "tamper_signature", "wrong_audience", "expired" or "replay_nonce"
    switch = models.CharField(max_length=32, blank=True)
    last_nonce = models.CharField(max_length=255, blank=True)

    class Meta:
        app_label = "oidc_provider"
