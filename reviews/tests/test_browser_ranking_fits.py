"""The ranking at 1366×900 (issue 12): the page never scrolls sideways, and after a what-if update
the reference of the row the manager edited is on screen without scrolling (checked with the
element's bounding box, not with Playwright's lenient visibility)."""

import pytest

from calls.models import Call
from calls.seed import seed_calls
from portal.testing.browser import login
from reviews.ranking import ranking_for

LB_2021 = "lokale-besturen-2021"


def _widths(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ranking_fits_1366_and_keeps_the_edited_row_in_view(browser_page):
    from playwright.sync_api import expect

    seed_calls(demo=True, allow_without_debug=True)
    call = Call.objects.get(slug=LB_2021)
    ranking = ranking_for(call)
    # A row far down the list, so that keeping it in view is not an accident of the page's top.
    edited = ranking.funded[-1]
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})

    login(page, "manager@example.org", "oproep-demo")
    page.goto(f"/manage/calls/{LB_2021}/ranking/")
    document_width, viewport_width = _widths(page)
    assert document_width <= viewport_width, f"the page is {document_width} px wide at {viewport_width} px"

    row = page.locator(f"tr[data-reference='{edited.application.reference}']")
    reference = row.locator("[data-testid=reference]")
    amount = page.locator(f"#grant-{edited.application.pk}")
    amount.scroll_into_view_if_needed()
    amount.fill(f"{edited.granted - 1000:.2f}")
    amount.press("Enter")
    expect(page.locator("#ranking-status")).to_contain_text("Rangschikking bijgewerkt")
    expect(amount).to_be_focused()

    assert _in_viewport(page, reference), (reference.bounding_box(), page.viewport_size)
    assert _in_viewport(page, amount), (amount.bounding_box(), page.viewport_size)
    # The funding-line columns are in view too (requested, granted, running total, proposal, decision).
    for testid in ("requested", "running-total", "funding", "decision"):
        assert _in_viewport(page, row.locator(f"[data-testid={testid}]")), testid
    document_width, viewport_width = _widths(page)
    assert document_width <= viewport_width, f"the page is {document_width} px wide at {viewport_width} px"
    # At 1366 px the whole table fits its box: nothing to scroll sideways, and it is not scrolled.
    scroll_width, client_width, scroll_left = page.locator("[data-ranking-scroll]").first.evaluate(
        "box => [box.scrollWidth, box.clientWidth, box.scrollLeft]"
    )
    assert scroll_width <= client_width and scroll_left == 0, (scroll_width, client_width, scroll_left)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ranking_states_the_tie_rule_where_a_tie_occurs(browser_page):
    """Two applications with the same total: the lower one says in words which rule put it there."""
    from reviews.tests.ranking_data import application, closed_call, criterion, manager_of, review

    call = closed_call(total_budget=1_000_000)
    first, second = criterion(call, order=1), criterion(call, order=2)
    ahead = application(call)
    behind = application(call)
    review(ahead, {first: 4, second: 3})
    review(behind, {first: 3, second: 4})
    manager = manager_of(call, password="oproep-test")
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, manager.email, "oproep-test")
    page.goto(f"/manage/calls/{call.slug}/ranking/")
    tie = page.locator(f"tr[data-reference='{behind.reference}'] [data-testid=tie-break]")
    expect_text = f"Zelfde totaalscore als {ahead.reference}"
    from playwright.sync_api import expect

    expect(tie).to_contain_text(expect_text)
    assert page.locator(f"tr[data-reference='{ahead.reference}'] [data-testid=tie-break]").count() == 0
