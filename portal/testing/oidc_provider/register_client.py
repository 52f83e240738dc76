"""Run by the fixture (portal/testing/oidc.py) after `migrate`: registers the portal as a client of the provider."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.testing.oidc_provider.settings")
django.setup()

from oauth2_provider.models import Application  # noqa: E402

client_id, secret, redirect_uri, post_logout_uri = sys.argv[1:5]
Application.objects.update_or_create(
    client_id=client_id,
    defaults={
        "name": "Oproep (test)",
        "client_secret": secret,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": redirect_uri,
        "post_logout_redirect_uris": post_logout_uri,
        "algorithm": Application.RS256_ALGORITHM,
        "skip_authorization": True,
    },
)
