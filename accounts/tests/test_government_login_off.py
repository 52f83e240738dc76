"""Without the OIDC_* settings the portal works as before: no government login anywhere."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import oidc

pytestmark = pytest.mark.django_db


def test_without_oidc_settings_there_is_no_government_login(client):
    assert not oidc.is_configured()
    assert settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] == []
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert "government-login" not in page.content.decode()
    assert client.get("/accounts/oidc/government/login/").status_code == 404
    assert client.post("/accounts/oidc/government/login/callback/").status_code == 404


def test_without_oidc_settings_the_account_menu_has_no_government_login(client, user):
    client.force_login(user)
    page = client.get(reverse("account_email")).content.decode()
    assert reverse("socialaccount_connections") not in page


def test_without_oidc_settings_a_password_login_keeps_working(client, user):
    from accounts.tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert oidc.TWO_FACTOR_SESSION_KEY not in client.session
