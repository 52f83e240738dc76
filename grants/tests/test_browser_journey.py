"""From publishing an award to a closed file, in a real browser: the manager publishes the award,
the beneficiary accepts and gives an IBAN, one manager proposes and another approves the advance,
the beneficiary submits the final report with costs, staff accept part of the costs, the balance
is computed, approved and paid, the file closes, and /funded/ shows the amount paid."""

import re

import pytest

from accounts.tests.factories import PASSWORD
from applications.tests.factories import BudgetLineFactory
from grants.models import Grant
from portal.testing.browser import axe_violations, login
from reviews import decisions
from reviews.tests.ranking_data import D, application, closed_call, criterion, review

from .factories import VALID_IBAN, manager_of, owner_of


def _as(page, user):
    page.context.clear_cookies()
    login(page, user.email, PASSWORD)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_award_to_closed_file_in_the_browser(browser_page):
    from playwright.sync_api import expect

    call = closed_call(total_budget=D("100000"))
    proposer, approver = manager_of(call), manager_of(call)
    c = criterion(call, threshold="2.5")
    app = application(call, requested=60000, title="Weerbaar tegen nepnieuws")
    review(app, {c: 4})
    BudgetLineFactory(application=app, category="personnel", amount=D("50000"))
    BudgetLineFactory(application=app, category="operating", amount=D("25000"))
    owner = owner_of(app.lead_organisation)
    decisions.award(app, granted_amount=D("60000"), motivation="Sterk project.", by=proposer)
    page = browser_page

    # The manager publishes the award: the grant file opens.
    _as(page, proposer)
    page.goto(f"/manage/calls/{call.slug}/decisions/")
    page.get_by_text("1 beslissing bekendmaken").click()
    page.get_by_role("button", name="Bekendmaken en de aanvragers e-mailen").click()
    expect(page.locator(".alert-success").first).to_contain_text("bekendgemaakt")
    grant = Grant.objects.get(application=app)
    staff_url = f"/manage/calls/{call.slug}/grants/{grant.pk}/"

    # The beneficiary accepts and gives the bank account.
    _as(page, owner)
    page.goto("/grants/")
    page.get_by_role("link", name=grant.number).click()
    expect(page.locator("[data-testid=grant-state]")).to_have_text(re.compile("aanvaard", re.I))
    page.fill("#id_iban", "BE68 5390 0754 7034")
    page.fill("#id_account_holder", "Gemeente Voorbeeld")
    page.check("#id_agree")
    page.locator("form:has(input[value=accept]) button[type=submit]").click()
    expect(page.locator("[data-testid=order-advance]")).to_contain_text("48.000,00")
    assert (violations := axe_violations(page)) == [], violations

    # Four eyes on the advance: one proposes, another approves and marks it paid.
    _as(page, proposer)
    page.goto(f"/manage/calls/{call.slug}/grants/")
    page.get_by_role("link", name=grant.number).click()
    page.locator("form:has(input[value=propose]) button").click()
    expect(page.locator("form:has(input[value=approve])")).to_have_count(0)
    _as(page, approver)
    page.goto(staff_url)
    page.locator("form:has(input[value=approve]) button").click()
    page.locator("form:has(input[value=paid]) input[type=date]").fill("2026-02-01")
    page.locator("form:has(input[value=paid]) input[name='paid-reference']").fill("BANK-0001")
    page.locator("form:has(input[value=paid]) button").click()
    expect(page.locator("[data-testid=ledger-paid]")).to_contain_text("48.000,00")

    # The beneficiary submits the final report with its costs.
    _as(page, owner)
    page.goto(f"/grants/{grant.pk}/reports/final/")
    page.select_option("#id_cost_lines-0-category", "personnel")
    page.fill("#id_cost_lines-0-description", "Projectmedewerker")
    page.fill("#id_cost_lines-0-amount", "60000")
    page.select_option("#id_cost_lines-1-category", "operating")
    page.fill("#id_cost_lines-1-description", "Campagne")
    page.fill("#id_cost_lines-1-amount", "20000")
    page.locator("button[value=submit]").click()
    expect(page.locator("[data-testid=report-final]")).to_contain_text(re.compile("submitted|ingediend", re.I))

    # Staff accept part of the costs: 70,000 of 80,000 → entitlement 56,000, balance 8,000.
    _as(page, proposer)
    page.goto(staff_url)
    operating = grant.reports.get(kind="final").cost_lines.get(category="operating")
    page.fill(f"#accepted-{operating.pk}", "10000")
    page.fill(f"#reason-{operating.pk}", "Geen factuur voor de tweede campagne")
    page.locator("button[value=accept_report]").click()
    expect(page.locator("[data-testid=computation]")).to_contain_text("56.000,00")
    expect(page.locator("[data-testid=order-balance]")).to_contain_text("8.000,00")
    page.locator("[data-testid=order-balance] form:has(input[value=propose]) button").click()
    _as(page, approver)
    page.goto(staff_url)
    page.locator("[data-testid=order-balance] form:has(input[value=approve]) button").click()
    page.locator("[data-testid=order-balance] input[type=date]").fill("2027-03-01")
    page.locator("[data-testid=order-balance] input[name='paid-reference']").fill("BANK-0002")
    page.locator("[data-testid=order-balance] button").click()
    expect(page.locator("[data-testid=grant-state]")).to_have_text(re.compile("closed|afgesloten", re.I))
    expect(page.locator("[data-testid=ledger-paid]")).to_contain_text("56.000,00")

    # The public list of funded projects shows what was paid.
    page.context.clear_cookies()
    page.goto("/funded/")
    expect(page.locator("[data-testid=funded-row]", has_text="Weerbaar tegen nepnieuws")).to_contain_text("56.000")
    grant.refresh_from_db()
    assert grant.state == "closed" and grant.iban == VALID_IBAN
