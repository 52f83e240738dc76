"""Signing up and the account pages speak as the rest of the portal: Dutch with "u", password
errors in Dutch, e-mails that name the portal, and the confirmation link that signs the new user
in (accounts/voice/, accounts/adapter.py)."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)
PASSWORD = "een-lang-wachtwoord-42"


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def sign_up(client, email="nieuw@example.org"):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("account_signup", "Hebt u al een account?"),
        ("account_reset_password", "Vul hieronder uw e-mailadres in"),
        ("account_login", "Aanmelden"),
    ],
)
def test_the_dutch_account_pages_say_u_not_je(client, name, says):
    text = visible_text(client.get(reverse(name)))
    assert says in text
    assert not INFORMAL.search(text), INFORMAL.search(text).group(0)


def test_the_page_after_signing_up_says_u(client):
    response = sign_up(client)
    text = visible_text(client.get(response.url))
    assert "We hebben u een e-mail gestuurd" in text
    assert not INFORMAL.search(text)


def test_a_too_short_password_is_refused_in_dutch(client):
    response = client.post(
        reverse("account_signup"), {"email": "kort@example.org", "password1": "k8!x", "password2": "k8!x"}
    )
    text = visible_text(response)
    assert "Dit wachtwoord is te kort. Het moet minstens 8 tekens bevatten." in text
    assert "too short" not in text
    assert not User.objects.filter(email="kort@example.org").exists()


def test_a_password_like_the_address_is_refused_in_dutch(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "pietjanssens@example.org", "password1": "pietjanssens", "password2": "pietjanssens"},
    )
    assert "Het wachtwoord lijkt te veel op uw e-mailadres." in visible_text(response)


def test_the_confirmation_email_names_the_portal_and_says_u(client, settings):
    settings.SITE_URL = "https://oproep.example.org"
    sign_up(client)
    (message,) = mail.outbox
    assert message.subject == "[Oproep] Bevestig uw e-mailadres"
    assert "een account aangemaakt op Oproep." in message.body
    assert "Met vriendelijke groeten,\nOproep · Vlaamse overheid" in message.body
    assert "https://oproep.example.org" in message.body
    # The host the request came in on is only in the link itself, never as the portal's name.
    assert "testserver" not in message.body.replace(re.search(r"https?://\S+confirm-email\S+", message.body)[0], "")
    assert not INFORMAL.search(message.body)


def test_the_portal_name_is_a_setting(client, settings):
    settings.PORTAL_NAME = "Subsidieloket"
    sign_up(client)
    assert mail.outbox[0].subject == "[Subsidieloket] Bevestig uw e-mailadres"
    assert "op Subsidieloket" in mail.outbox[0].body


def test_confirming_the_address_signs_the_new_user_in(client):
    sign_up(client)
    assert client.session.get(SESSION_KEY) is None
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body)[1]
    assert client.get(link).status_code == 200
    response = client.post(link)
    user = User.objects.get(email="nieuw@example.org")
    assert client.session.get(SESSION_KEY) == str(user.pk)
    assert response.status_code == 302
    assert "nieuw@example.org" in client.get("/").content.decode()


def test_the_english_pages_stay_english(client):
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("account_signup"), {"email": "kort@example.org", "password1": "k8!x", "password2": "k8!x"}
    )
    assert "This password is too short. It must contain at least 8 characters." in visible_text(response)
