"""Logging in with an e-mail address, signing up with verification, and the lockout after
repeated failures (django-axes)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# --- Logging in ------------------------------------------------------------------------------


def test_a_user_logs_in_with_the_email_address(client, user):
    response = client.post(LOGIN, {"login": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert logged_in_user_id(client) == str(user.pk)


def test_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(LOGIN, {"login": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    page = response.content.decode()
    assert 'id="error-summary"' in page  # the summary at the top of the form
    assert f'value="{user.email}"' in page  # what was typed is kept


def test_the_login_page_is_dutch_with_labelled_fields(client):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="nl">' in page
    assert "Aanmelden" in page
    assert re.search(r'<label[^>]+for="id_login"', page)
    assert re.search(r'<label[^>]+for="id_password"', page)
    assert 'class="btn btn-primary"' in page


def test_a_login_is_written_to_the_audit_log(client, user):
    from portal.models import AuditEvent

    client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert AuditEvent.objects.for_object(user).get().action == "logged_in"


# --- Signing up --------------------------------------------------------------------------------


def test_sign_up_requires_confirming_the_email_address_before_logging_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "nieuw@example.org", "password1": "een-lang-wachtwoord-42", "password2": "een-lang-wachtwoord-42"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    user = User.objects.get(email="nieuw@example.org")
    assert user.check_password("een-lang-wachtwoord-42")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nieuw@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)

    # Before confirming, the right password does not let anyone in.
    client.logout()
    response = client.post(LOGIN, {"login": "nieuw@example.org", "password": "een-lang-wachtwoord-42"})
    assert logged_in_user_id(client) is None
    assert response.url == reverse("account_email_verification_sent")

    # Following the link confirms the address; then logging in works.
    assert client.get(link).status_code == 200
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    response = client.post(LOGIN, {"login": "nieuw@example.org", "password": "een-lang-wachtwoord-42"})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_sign_up_refuses_a_weak_password_and_keeps_the_address(client):
    response = client.post(
        reverse("account_signup"), {"email": "zwak@example.org", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="zwak@example.org").exists()
    page = response.content.decode()
    assert 'value="zwak@example.org"' in page
    assert 'id="error-summary"' in page


def test_an_address_can_sign_up_only_once(client, user):
    response = client.post(
        reverse("account_signup"),
        {"email": user.email, "password1": "een-lang-wachtwoord-42", "password2": "een-lang-wachtwoord-42"},
    )
    # allauth does not reveal that the address exists (it mails the owner instead), but no
    # second account appears.
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert response.status_code in (200, 302)


# --- Lockout ----------------------------------------------------------------------------------
# AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]: failures are counted per e-mail address
# AND per client address, each on its own. After 5 failures for one address from one client:
# that e-mail address is locked from every client, and that client is locked for every address.
# Another person, from another client, is not affected.


LOCKED = "Te veel mislukte aanmeldpogingen"


def fail(client, email, times, ip="10.0.0.1"):
    return [client.post(LOGIN, {"login": email, "password": "wrong"}, REMOTE_ADDR=ip) for _ in range(times)]


def test_after_five_failures_even_the_right_password_is_refused_with_the_lockout_page(client, user, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    responses = fail(client, user.email, 5)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert logged_in_user_id(client) is None
    page = response.content.decode()
    assert LOCKED in page
    assert "30 minuten" in page  # the cool-off time
    assert reverse("account_reset_password") in page  # the way out


def test_the_lockout_is_keyed_on_the_email_address_whatever_the_client(client, user):
    fail(client, user.email, 5, ip="10.0.0.1")
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_someone_else_from_another_client_can_still_log_in(client, user):
    other = UserFactory()
    fail(client, user.email, 5, ip="10.0.0.1")
    response = client.post(LOGIN, {"login": other.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(other.pk)


def test_the_client_that_failed_five_times_is_locked_for_other_addresses_too(client, user):
    other = UserFactory()
    fail(client, user.email, 5, ip="10.0.0.1")
    response = client.post(LOGIN, {"login": other.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_the_lockout_page_is_translated(client, user):
    fail(client, user.email, 5)
    client.cookies["django_language"] = "en"
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert "Too many failed login attempts" in response.content.decode()


def test_failures_below_the_limit_are_forgotten_after_a_successful_login(client, user):
    fail(client, user.email, 4)
    client.post(LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    client.logout()
    fail(client, user.email, 4)
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
