"""Without the OIDC_* settings the portal works as before: no government login anywhere."""

import socket

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


def test_an_unreachable_provider_gives_a_message_not_an_error(client, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/o"
    apps = [
        {
            "provider_id": "government",
            "name": "Test",
            "client_id": "x",
            "secret": "y",
            "settings": {"server_url": closed},
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": apps}
    }
    settings.OIDC_SERVER_URL, settings.OIDC_CLIENT_ID = closed, "x"
    assert "government-login" in client.get(reverse("account_login")).content.decode()
    response = client.post("/accounts/oidc/government/login/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "De overheidslogin is nu niet bereikbaar" in response.content.decode()
