"""The end of a call in a real browser, on the demo data: the manager changes a granted amount
and watches the funding line move, applies the ranking's proposal and publishes; the demo
applicant reads the evaluation of Gemeente Voorbeeld's lokale-besturen-2021 application and
downloads the letter; /funded/ lists the award."""

import re
from pathlib import Path

import pytest

from accounts.models import User
from applications.models import Application
from calls.models import Call
from calls.seed import seed_calls
from portal.testing.browser import axe_violations, login
from reviews.ranking import ranking_for

LB_2021 = "lokale-besturen-2021"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_decides_and_publishes_and_the_applicant_reads_the_evaluation(browser_page):
    from playwright.sync_api import expect

    seed_calls(demo=True, allow_without_debug=True)
    call = Call.objects.get(slug=LB_2021)
    before = ranking_for(call)
    assert len(before.funded) >= 13 and before.reserve, "the demo ranking should show a line and a reserve list"
    # Lower one funded amount just enough for the first reserve application to fit.
    waiting = before.reserve[0]
    shortfall = waiting.granted - before.budget_use.remaining
    trimmed = next(row for row in before.funded if row.granted > shortfall + 1000)
    new_amount = trimmed.granted - shortfall
    page = browser_page

    login(page, "manager@example.org", "oproep-demo")
    page.goto(f"/manage/calls/{LB_2021}/ranking/")
    waiting_row = page.locator(f"tr[data-reference='{waiting.application.reference}']")
    expect(waiting_row).to_have_attribute("data-funded", "false")
    expect(page.locator("[data-testid=funding-line]")).to_have_count(1)
    expect(page.locator("[data-testid=reserve-count]")).to_have_text(str(len(before.reserve)))
    assert (violations := axe_violations(page)) == [], violations

    amount = page.locator(f"#grant-{trimmed.application.pk}")
    amount.fill(f"{new_amount:.2f}")
    amount.press("Enter")

    expect(waiting_row).to_have_attribute("data-funded", "true")  # the line moved, without a reload
    expect(page.locator("[data-testid=reserve-count]")).to_have_text(str(len(before.reserve) - 1))
    expect(page.locator(f"#grant-{trimmed.application.pk}")).to_be_focused()
    assert "/ranking/" in page.url and "#" not in page.url
    assert ranking_for(call).passing[0].application.call_id == call.pk

    # Apply the proposal, then publish.
    page.get_by_role("link", name="Voorstel toepassen…").first.click()
    expect(page).to_have_url(re.compile(r"/ranking/apply/$"))
    page.get_by_role("button", name="Deze beslissingen vastleggen").click()
    expect(page).to_have_url(re.compile(r"/decisions/$"))
    expect(page.locator(".alert-success")).to_contain_text("Beslissingen vastgelegd")
    page.get_by_role("link", name=re.compile(r"beslissingen? bekendmaken")).click()
    page.get_by_role("button", name="Bekendmaken en de aanvragers e-mailen").click()
    expect(page).to_have_url(re.compile(r"/decisions/$"))
    expect(page.locator(".alert-success").first).to_contain_text("bekendgemaakt")
    expect(page.get_by_text("Alle beslissingen van deze oproep zijn bekendgemaakt")).to_be_visible()

    # The demo applicant reads the evaluation of Gemeente Voorbeeld's application.
    page.context.clear_cookies()
    login(page, "applicant@example.org", "oproep-demo")
    application = Application.objects.get(call=call, lead_organisation__name="Gemeente Voorbeeld")
    decision = application.decision
    page.goto(f"/evaluation/{application.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluatie van uw aanvraag")
    expect(page.locator("[data-testid=motivation]")).to_contain_text(decision.motivation[:40])
    expect(page.locator("table.summary-scores tbody tr")).to_have_count(call.criteria.active().count())
    html = page.content()
    for reviewer in User.objects.filter(email__in=[f"reviewer{n}@example.org" for n in (1, 2, 3)]):
        assert reviewer.email not in html
        assert not reviewer.full_name or reviewer.full_name not in html
    assert (violations := axe_violations(page)) == [], violations

    with page.expect_download() as download:
        page.get_by_role("link", name="Beslissingsbrief downloaden (pdf)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # The public list of funded projects shows the award.
    page.context.clear_cookies()
    page.goto("/funded/")
    awarded = (
        decision
        if decision.outcome == "award"
        else application.call.applications.filter(decision__outcome="award").first().decision
    )
    row = page.locator("[data-testid=funded-row]", has_text=awarded.application.title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(awarded.application.lead_organisation.name)
