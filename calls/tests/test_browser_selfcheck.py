"""An anonymous visitor runs the eligibility self-check in a real browser, in Dutch and in English."""

import pytest

from calls.seed import DES, seed_calls
from portal.testing.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lone_research_institution_reads_why_it_is_not_eligible_in_both_languages(browser_page):
    seed_calls()
    page = browser_page
    page.goto(f"/calls/{DES}/")
    page.get_by_role("link", name="Zelftest: komt u in aanmerking?").click()
    page.wait_for_load_state()

    page.get_by_label("Uw organisatie is een").select_option("research")
    page.get_by_label("1. Verhogen van de mediawijsheid", exact=False).check()
    page.get_by_role("button", name="Testen").click()
    page.wait_for_load_state()

    result = page.locator(".eligibility-result")
    assert "Nog niet in aanmerking" in result.inner_text()
    findings = page.locator(".findings li").all_inner_texts()
    assert any("minstens 2 organisaties" in finding.lower() for finding in findings)
    assert any("nieuwsmedium" in finding for finding in findings)
    assert len(findings) == 2  # an objective was chosen: only the partnership is missing
    assert axe_violations(page) == []

    # The language switch keeps the answers (a GET form) and shows the same reasons in English.
    page.locator(".language-switcher button[value=en]").click()  # the EN button in the header
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Not eligible yet" in page.locator(".eligibility-result").inner_text()
    findings = page.locator(".findings li").all_inner_texts()
    assert any("at least 2 organisations" in finding.lower() for finding in findings)
    assert any("news medium" in finding for finding in findings)
    assert page.get_by_label("Your organisation is a").input_value() == "research"
