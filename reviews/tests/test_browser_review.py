"""The review journey in a real browser, on the demo data, in Dutch: the manager admits the two
waiting demo submissions and assigns reviewers automatically; reviewer1 declares no conflict on
one and scores it, declares a conflict on the other; the manager sees the progress, with the
released assignment."""

import pytest

from calls.seed import seed_calls
from portal.testing.browser import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "oproep-demo"
CALL = "desinformatie-demo"


def test_admit_assign_declare_score_and_follow_the_progress(browser_page):
    seed_calls(demo=True, allow_without_debug=True)
    page = browser_page

    # The manager admits the two submissions that are still waiting.
    login(page, "manager@example.org", PASSWORD)
    page.goto(f"/manage/calls/{CALL}/applications/?status=submitted")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Weerbaar online" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
    assert "Bronnen in beeld" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
    assert axe_violations(page) == []
    for box in page.locator("tbody input[name=applications]").all():
        box.check()
    page.get_by_role("button", name="Ontvankelijk verklaren (in beoordeling)").click()
    page.wait_for_load_state()
    assert "2 aanvragen ontvankelijk verklaard." in page.locator(".messages").inner_text()
    assert "Geen aanvragen gevonden." in page.locator("tbody").inner_text()  # none waiting any more

    # ... and assigns the reviewers automatically: three reviewers for each of the two.
    page.get_by_role("link", name="Automatische toewijzing").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Automatisch toewijzen").click()
    page.wait_for_load_state()
    assert "6 nieuwe toewijzingen." in page.locator("#report-title + p").inner_text()
    assert "Elke aanvraag in beoordeling heeft de beoordelaars die ze nodig heeft." in page.content()
    assert axe_violations(page) == []

    # reviewer1 sees both under "Te verklaren".
    page.context.clear_cookies()
    login(page, "reviewer1@example.org", PASSWORD)
    page.goto("/review/")
    to_declare = page.locator("section", has=page.get_by_role("heading", name="Te verklaren"))
    assert "Weerbaar online" in to_declare.inner_text() and "Bronnen in beeld" in to_declare.inner_text()
    assert axe_violations(page) == []

    # No conflict on "Weerbaar online": the proposal opens and the reviewer scores it.
    to_declare.get_by_role("link", name="Weerbaar online").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Belangenverklaring").is_visible()
    assert "Vorming voor jongeren" not in page.content()  # the summary stays hidden until declared
    assert axe_violations(page) == []
    page.get_by_label("Ik heb geen belangenconflict met deze aanvraag.").check()
    page.get_by_label("Ik behandel het voorstel en mijn beoordeling vertrouwelijk", exact=False).check()
    page.get_by_role("button", name="Mijn verklaring versturen").click()
    page.wait_for_load_state()
    assert "Vorming voor jongeren" in page.content()
    scores = page.locator("input[name^=score_]")
    assert scores.count() >= 1
    # A score off the step is refused with a message, and what was typed stays.
    scores.first.fill("3.2")
    page.get_by_role("button", name="Mijn beoordeling indienen").click()
    page.wait_for_load_state()
    assert "Een score gaat in stappen van 0,5" in page.locator("#error-summary").inner_text()
    assert axe_violations(page) == []
    for index in range(scores.count()):
        page.locator("input[name^=score_]").nth(index).fill(["4", "3.5", "4.5", "3"][index % 4])
        page.locator("textarea[name^=comment_]").nth(index).fill("Duidelijke aanpak, goed onderbouwd.")
    page.get_by_label("Algemene opmerking").fill("Sterk voorstel met een duidelijke doelgroep.")
    page.get_by_label("Advies").select_option("fund")
    page.get_by_role("button", name="Mijn beoordeling indienen").click()
    page.wait_for_load_state()
    assert "Uw beoordeling is ingediend." in page.locator(".messages").inner_text()

    # A conflict on "Bronnen in beeld": released, and gone for this reviewer.
    page.goto("/review/")
    page.get_by_role("link", name="Bronnen in beeld").click()
    page.wait_for_load_state()
    declare_url = page.url
    page.get_by_label("Ik heb een belangenconflict met deze aanvraag.").check()
    page.get_by_label("Belangenconflict", exact=True).fill("Ik werk als freelancer voor de aanvrager.")
    page.get_by_role("button", name="Mijn verklaring versturen").click()
    page.wait_for_load_state()
    assert "U bent van deze aanvraag ontheven" in page.locator(".messages").inner_text()
    # Gone from the work (no link to it), but listed as "conflict declared" (issue 12).
    assert page.get_by_role("link", name="Bronnen in beeld").count() == 0
    assert "Bronnen in beeld" in page.locator("[data-testid=conflicts]").inner_text()
    assert page.goto(declare_url).status == 404
    page.console_errors.clear()  # the 404 just asserted (and its favicon) are expected

    # The manager sees the progress, with the released assignment.
    page.context.clear_cookies()
    login(page, "manager@example.org", PASSWORD)
    page.goto(f"/manage/calls/{CALL}/progress/")
    rows = {row.locator("td").first.inner_text(): row for row in page.locator("#per-application ~ div tbody tr").all()}
    weerbaar = next(row for title, row in rows.items() if "Weerbaar online" in title)
    bronnen = next(row for title, row in rows.items() if "Bronnen in beeld" in title)
    assert "1 van 3 beoordelingen" in weerbaar.inner_text()
    assert "ontheven: belangenconflict" in bronnen.inner_text()
    assert "Demo Beoordelaar 1" in bronnen.inner_text()
    assert "2 beoordelaars toegewezen" in bronnen.inner_text()  # it needs a new reviewer
    reviewer1 = page.locator("#per-reviewer ~ div tbody tr", has_text="reviewer1@example.org")
    assert reviewer1.locator("td").last.inner_text() == "1"  # released (conflict)
    assert axe_violations(page) == []
