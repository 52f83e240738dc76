"""An applicant sets up an organisation in a real browser: logs in, types the enterprise number
as it appears on letters, invites a colleague; every page passes the accessibility check."""

import pytest

from accounts.models import Invitation, Organisation
from accounts.tests.factories import PASSWORD, UserFactory
from portal.testing.browser import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_an_organisation_and_invite_a_colleague(browser_page):
    page = browser_page
    user = UserFactory()
    login(page, user.email, PASSWORD)

    page.goto("/organisations/")
    page.get_by_role("link", name="Nieuwe organisatie").click()
    assert axe_violations(page) == []
    page.get_by_label("Naam").fill("Voorbeeld Nieuws")
    page.get_by_label("Soort").select_option("news_media")
    page.get_by_label("Ondernemingsnummer (KBO)").fill("BE 0123.456.748")  # a typo in the check digits
    page.get_by_role("button", name="Organisatie aanmaken").click()
    assert "controlecijfers" in page.locator("#error-summary").inner_text()
    assert page.get_by_label("Ondernemingsnummer (KBO)").input_value() == "BE 0123.456.748"
    assert axe_violations(page) == []

    kbo_field = page.get_by_label("Ondernemingsnummer (KBO)")
    kbo_field.fill("")
    kbo_field.press_sequentially("BE 0123.456.749")  # real key presses: the field must take all 15
    page.get_by_role("button", name="Organisatie aanmaken").click()
    assert page.locator("h1").inner_text() == "Voorbeeld Nieuws"
    assert "0123.456.749" in page.locator("dl").inner_text()
    assert Organisation.objects.get().kbo_number == "0123456749"

    page.get_by_label("E-mailadres").fill("collega@example.org")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    assert "Er is een uitnodiging verstuurd naar collega@example.org." in page.locator(".messages").inner_text()
    assert Invitation.objects.get().email == "collega@example.org"
    assert axe_violations(page) == []
