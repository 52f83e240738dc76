"""Two-factor authentication: TOTP with recovery codes for everyone, required for staff and
reviewers when REQUIRE_STAFF_MFA is on (accounts.middleware)."""

import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")


def current_code(secret: str, shift_seconds: int = 0) -> str:
    return totp.format_hotp_value(totp.hotp_value(secret, int(time.time() + shift_seconds) // 30))


def login(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session.get(SESSION_KEY) == str(user.pk), "login failed"
    return response


def activate_totp(client) -> str:
    """Set up an authenticator app through the pages, as a person would; returns the secret.
    allauth asks for the password again first (it protects security settings that way)."""
    response = client.get(ACTIVATE)
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = client.session[totp.SECRET_SESSION_KEY]
    response = client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


@pytest.fixture(autouse=True)
def _no_clock_edge(settings):
    """Accept the neighbouring 30-second window too, so a code computed just before a window
    turns over is not refused (a flaky test otherwise, once in a few thousand runs)."""
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def strict(settings):
    settings.REQUIRE_STAFF_MFA = True


@pytest.fixture
def manager(db):
    return CallRoleFactory(role=CallRole.Role.MANAGER).user


def test_a_call_manager_without_two_factor_is_sent_to_set_it_up(client, strict, manager):
    login(client, manager)
    response = client.get("/manage/calls/")
    assert response.status_code == 302
    assert response.url == ACTIVATE


def test_a_reviewer_and_staff_are_asked_too(client, strict):
    reviewer = CallRoleFactory(role=CallRole.Role.REVIEWER).user
    client.force_login(reviewer)
    assert client.get("/review/").url == ACTIVATE
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/").url == ACTIVATE


def test_after_activating_totp_the_manager_is_let_through(client, strict, manager):
    login(client, manager)
    activate_totp(client)
    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()
    response = client.get("/manage/calls/")
    assert not (response.status_code == 302 and response.url == ACTIVATE)


def test_activating_totp_also_gives_recovery_codes_that_log_in(client, manager):
    login(client, manager)
    activate_totp(client)
    codes = Authenticator.objects.get(user=manager, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    assert len(codes) >= 10
    client.logout()
    response = client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")  # password alone is not enough any more
    assert client.session.get(SESSION_KEY) is None
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert client.session.get(SESSION_KEY) == str(manager.pk)


def test_with_totp_a_login_asks_for_the_code(client, manager):
    login(client, manager)
    secret = activate_totp(client)
    client.logout()
    # A code is accepted once; log in again two windows later with a fresh one.
    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert client.session.get(SESSION_KEY) is None
        assert response.status_code == 200
        client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        assert client.session.get(SESSION_KEY) == str(manager.pk)


def test_an_applicant_is_never_asked_for_two_factor(client, strict, applicant):
    login(client, applicant)
    for path in ["/organisations/", "/applications/", "/manage/calls/", "/review/"]:
        response = client.get(path)
        assert not (response.status_code == 302 and response.url == ACTIVATE), path


def test_with_the_setting_off_nobody_is_asked(client, settings, manager):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(manager)
    response = client.get("/manage/calls/")
    assert not (response.status_code == 302 and response.url == ACTIVATE)


def test_the_two_factor_pages_use_the_portal_layout(client, user):
    login(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(ACTIVATE).content.decode()
    assert '<html lang="nl">' in page
    assert 'class="btn btn-primary"' in page
    assert 'class="form-label" for="authenticator_secret"' in page
    assert reverse("mfa_index") in page  # the account-settings menu
