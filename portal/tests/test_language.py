"""Dutch first: the default whatever the browser says; English on request, remembered."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGE = reverse("privacy")


def test_without_a_choice_the_portal_is_dutch_even_for_an_english_browser(client):
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert "Privacyverklaring" in page
    assert ">Oproepen<" in page  # the main navigation
    assert response["Content-Language"] == "nl"


def test_choosing_english_sets_the_cookie_and_shows_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": PAGE})
    assert response.status_code == 302
    assert response.url == PAGE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(PAGE).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Privacy notice</h1>" in page
    assert ">Calls<" in page


def test_choosing_dutch_again_switches_back(client):
    client.post(reverse("set_language"), {"language": "en", "next": PAGE})
    client.post(reverse("set_language"), {"language": "nl", "next": PAGE})
    assert '<html lang="nl">' in client.get(PAGE).content.decode()


def test_an_unknown_language_or_a_foreign_next_url_is_ignored(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "https://evil.example.com/"})
    assert response.url == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_logged_in_users_choice_is_kept_for_their_emails_and_next_visit(client, user):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": PAGE})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # another browser, same account
    assert '<html lang="en">' in client.get(PAGE).content.decode()


def test_the_switcher_is_on_every_page_and_marks_the_current_language(client):
    page = client.get(PAGE).content.decode()
    assert 'name="language" value="en"' in page
    assert 'value="nl" lang="nl"' in page
    assert 'aria-current="true"' in page


@pytest.mark.django_db
def test_a_missing_page_answers_404_in_the_portal_layout_in_dutch(client):
    response = client.get("/dit-bestaat-niet/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Pagina niet gevonden" in page
    assert 'lang="nl"' in page and "skip-link" in page  # the portal's own layout, not a bare error
