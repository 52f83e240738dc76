"""A person logs in through the government login in a real browser (Debian's Chromium): the
portal's button, the provider's own login page (a real provider process, portal/testing/oidc.py),
back into the portal, the kind of their new organisation, their organisations."""

import json

import pytest

from accounts.models import Membership
from accounts.tests.factories import valid_kbo
from portal.testing.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("government-login")]

KBO = valid_kbo(5501)


def test_a_person_logs_in_through_the_providers_login_page_and_lands_in_the_portal(
    browser_page, government_login, oidc_provider
):
    page = browser_page
    page.goto("/accounts/login/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Inloggen met Test government login").click()

    # The provider's own page, on its own port.
    page.wait_for_url(oidc_provider.url.removesuffix("/o") + "/login/**")
    page.fill("#id_sub", "browser-person")
    page.fill("#id_email", "browser@example.be")
    page.fill("#id_name", "Bram Browser")
    page.fill("#id_acr", "high")
    page.fill(
        "#id_mandates", json.dumps([{"kbo": KBO, "role": "legal_representative", "name": "Gemeente Browserdorp"}])
    )
    page.click("#provider-login")

    # Back in the portal: the kind of the new organisation is asked once.
    page.wait_for_url("**/organisations/mandates/**")
    assert page.locator("h1").inner_text() == "Uw organisaties uit de overheidslogin"
    assert axe_violations(page) == []
    page.get_by_label("Soort van Gemeente Browserdorp", exact=False).select_option("municipality")
    page.get_by_role("button", name="Organisaties aanmaken").click()
    page.wait_for_url("**/organisations/")
    assert page.get_by_role("link", name="Gemeente Browserdorp").is_visible()
    assert page.get_by_text("bevestigd door de overheidslogin").first.is_visible()
    assert page.locator("nav").get_by_text("browser@example.be").is_visible()
    membership = Membership.objects.get(user__email="browser@example.be", organisation__kbo_number=KBO)
    assert membership.role == "owner" and membership.lapsed_at is None
