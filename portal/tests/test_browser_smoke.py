"""The home page in a real browser (Debian's Chromium through Playwright): Dutch by default,
no console errors, no serious accessibility violations, a working skip link and language switch."""

import pytest

from portal.testing.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_is_dutch_accessible_and_switches_to_english_and_back(browser_page):
    page = browser_page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.title().endswith("Oproep")
    assert page.locator("h1").count() == 1
    nav = page.locator("nav.navbar")
    assert nav.get_by_role("link", name="Oproepen").is_visible()
    assert nav.get_by_role("link", name="Aanmelden").is_visible()
    assert axe_violations(page) == []

    # The skip link is the first thing a keyboard reaches, and moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.inner_text() == "Naar de hoofdinhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # English, remembered across pages, and back to Dutch.
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert nav.get_by_role("link", name="Calls", exact=True).is_visible()
    assert nav.get_by_role("link", name="Log in").is_visible()
    page.goto("/privacy/")
    assert page.locator("h1").inner_text() == "Privacy notice"
    assert axe_violations(page) == []
    page.get_by_role("button", name="NL").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("h1").inner_text() == "Privacyverklaring"
    assert page.url.endswith("/privacy/")  # the switch returns to the same page


def test_the_login_page_is_accessible(browser_page):
    browser_page.goto("/accounts/login/")
    assert browser_page.get_by_label("E-mailadres").is_visible()
    assert axe_violations(browser_page) == []
