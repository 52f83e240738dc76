"""The funding line follows what has been decided (reviews/ranking.py, docs/ranking.md).

Hand-computed cases on both policies, with a budget of € 100.000: awards count at their
granted amount wherever they sit and come off the budget first, recorded rejections and
reserve decisions count for nothing, undecided applications are funded while they fit. Then
the one rule read everywhere: applying the proposal, the page, the exports and the API agree.
"""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews import decisions
from reviews.models import Decision
from reviews.ranking import Funding, ranking_for

from .ranking_data import D, application, closed_call, criterion, manager_of, review

pytestmark = pytest.mark.django_db


def titles(rows):
    return [row.application.title for row in rows]


def budget_call(policy, amounts=(("X", 50000), ("Y", 40000), ("Z", 30000))):
    """Budget 100 000; passing applications in the order given (scores 5, 4.5, 4, …) and W,
    which fails (score 1) and asks 30 000."""
    call = closed_call(total_budget=D("100000"), funding_policy=policy)
    c = criterion(call, threshold="2.5")
    call.apps = {}
    for index, (title, amount) in enumerate(amounts):
        call.apps[title] = application(call, title=title, requested=amount)
        review(call.apps[title], {c: D(5) - D("0.5") * index})
    call.apps["W"] = application(call, title="W", requested=30000)
    review(call.apps["W"], {c: 1})
    call.manager = manager_of(call)
    return call


def reject(call, title):
    decisions.reject(call.apps[title], motivation="Het panel oordeelde anders.", by=call.manager)


def award(call, title, amount):
    decisions.award(call.apps[title], granted_amount=D(amount), motivation="Gemotiveerde afwijking.", by=call.manager)


# --- strict: the example ------------------------------------------------------------


def test_strict_before_any_decision_funds_x_and_y():
    ranking = ranking_for(budget_call("strict"))

    assert titles(ranking.funded) == ["X", "Y"]
    assert titles(ranking.reserve) == ["Z"]
    assert ranking.budget_use.used == D("90000")
    assert ranking.budget_use.remaining == D("10000")


def test_strict_after_x_is_rejected_by_hand_funds_y_and_z():
    call = budget_call("strict")
    reject(call, "X")

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["Y", "Z"]
    assert ranking.budget_use.used == D("70000")
    assert ranking.budget_use.remaining == D("30000")
    assert ranking.reserve == []
    x = ranking.passing[0]
    assert (x.application.title, x.position, x.funding, x.funded) == ("X", 1, Funding.REJECTED, False)
    assert x.running_total is None


def test_strict_with_an_award_for_a_failing_application_funds_x_and_stops_at_y():
    call = budget_call("strict")
    award(call, "W", 20000)

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["X"]
    assert titles(ranking.reserve) == ["Y", "Z"]
    assert titles(ranking.awards_outside) == ["W"]
    assert ranking.failing[0].funding == Funding.AWARDED
    use = ranking.budget_use
    assert (use.awarded, use.proposed, use.used, use.remaining) == (D("20000"), D("50000"), D("70000"), D("30000"))
    # The award is off the budget before the first row: the running total starts there.
    assert ranking.passing[0].running_total == D("70000")
    assert ranking.line_index == 1


def test_an_award_below_the_line_takes_its_money_first():
    """Z is awarded 25 000 by hand: 75 000 is left for the undecided, so X (50 000) fits and
    strict stops at Y (40 000); Z counts where it sits, below the line."""
    call = budget_call("strict")
    award(call, "Z", 25000)

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["X", "Z"]
    assert [row.funding for row in ranking.passing] == [Funding.FUNDED, Funding.RESERVE, Funding.AWARDED]
    assert ranking.line_index == 1
    assert ranking.budget_use.used == D("75000")


def test_a_recorded_reserve_decision_counts_for_nothing_and_keeps_its_place():
    call = budget_call("strict")
    decisions.reserve(call.apps["X"], by=call.manager)

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["Y", "Z"]
    assert titles(ranking.reserve) == ["X"]
    assert ranking.passing[0].funding == Funding.RESERVE and ranking.passing[0].position == 1
    assert ranking.budget_use.used == D("70000")


def test_awards_over_the_budget_show_an_overrun_and_fund_nothing_undecided():
    call = budget_call("strict")
    award(call, "W", 30000)
    award(call, "Y", 40000)
    award(call, "Z", 30000)
    decisions.award(call.apps["X"], granted_amount=D("10000"), motivation="Afgeslankt.", by=call.manager)

    use = ranking_for(call).budget_use

    assert (use.used, use.remaining, use.overrun) == (D("110000"), D("-10000"), D("10000"))


# --- skip: our own cases --------------------------------------------------------------------

SKIP_AMOUNTS = (("X", 50000), ("Y", 40000), ("Z", 30000), ("V", 10000))


def test_skip_before_any_decision_funds_x_y_and_the_small_v_below_the_line():
    ranking = ranking_for(budget_call("skip", SKIP_AMOUNTS))

    assert titles(ranking.funded) == ["X", "Y", "V"]
    assert [row.below_line for row in ranking.funded] == [False, False, True]
    assert titles(ranking.reserve) == ["Z"]
    assert ranking.budget_use.used == D("100000")


def test_skip_after_y_is_rejected_funds_x_z_and_v():
    call = budget_call("skip", SKIP_AMOUNTS)
    reject(call, "Y")

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["X", "Z", "V"]
    assert ranking.budget_use.used == D("90000")
    assert ranking.budget_use.remaining == D("10000")
    assert ranking.reserve == []


def test_skip_with_an_award_for_a_failing_application_skips_y_and_funds_z():
    """W awarded 20 000: 80 000 left. X (50 000) fits, Y (40 000) does not, Z (30 000) still
    fits (80 000), V (10 000) no longer does."""
    call = budget_call("skip", SKIP_AMOUNTS)
    award(call, "W", 20000)

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["X", "Z"]
    assert titles(ranking.reserve) == ["Y", "V"]
    assert ranking.budget_use.used == D("100000")
    assert ranking.budget_use.remaining == D("0")


def test_skip_with_an_award_below_the_line_funds_what_still_fits_around_it():
    """Z awarded 25 000: 75 000 left for X, Y and V. X fits (50 000), Y does not, V does (60 000)."""
    call = budget_call("skip", SKIP_AMOUNTS)
    award(call, "Z", 25000)

    ranking = ranking_for(call)

    assert titles(ranking.funded) == ["X", "Z", "V"]
    assert titles(ranking.reserve) == ["Y"]
    assert ranking.budget_use.used == D("85000")


# --- applying the proposal ------------------------------------------------------------------


def test_applying_the_proposal_after_manual_decisions_awards_exactly_what_the_line_funds(client):
    call = budget_call("strict")
    reject(call, "X")
    client.force_login(call.manager)

    response = client.post(reverse("ranking:apply", args=[call.slug]))

    assert response.status_code == 302
    recorded = {
        d.application.title: (d.outcome, d.granted_amount) for d in Decision.objects.select_related("application")
    }
    assert recorded == {
        "X": ("reject", None),
        "Y": ("award", D("40000")),
        "Z": ("award", D("30000")),
        "W": ("reject", None),
    }
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Beslissingen vastgelegd: 2 toegekend, 0 op de reservelijst, 1 afgewezen.")
    assert "1 aanvraag" in message  # the rejection recorded before was left as it was
    ranking = ranking_for(call)
    assert ranking.undecided == []
    assert (ranking.budget_use.awarded, ranking.budget_use.proposed) == (D("70000"), D("0"))


def test_applying_the_proposal_before_any_decision_counts_what_it_did(client):
    call = budget_call("strict")
    client.force_login(call.manager)

    response = client.post(reverse("ranking:apply", args=[call.slug]))

    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Beslissingen vastgelegd: 2 toegekend, 1 op de reservelijst, 1 afgewezen.")
    assert "eerder beslist" not in message and "bleef" not in message


def test_the_apply_page_lists_only_the_undecided_applications(client):
    call = budget_call("strict")
    reject(call, "X")
    client.force_login(call.manager)

    context = client.get(reverse("ranking:apply", args=[call.slug])).context

    assert titles(context["to_award"]) == ["Y", "Z"]
    assert titles(context["to_reserve"]) == []
    assert titles(context["to_reject"]) == ["W"]


# --- one state, read everywhere -------------------------------------------------------------


@pytest.fixture
def decided_call():
    """Strict, budget 100 000: X rejected by hand, W (failing) awarded 20 000 with a motivation.
    80 000 is left for the line: Y (40 000) and Z (30 000) fit, V (15 000) no longer does."""
    call = budget_call("strict", (("X", 50000), ("Y", 40000), ("Z", 30000), ("V", 15000)))
    reject(call, "X")
    award(call, "W", 20000)
    return call


def test_page_exports_and_api_agree_on_funded_reserve_used_and_remaining(decided_call, client):
    from openpyxl import load_workbook
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    call = decided_call
    client.force_login(call.manager)
    # By hand: awards 20 000 (W); the line has 80 000 for Y (40 000) and Z (30 000); V (15 000)
    # no longer fits (85 000 > 80 000). Used 90 000, remaining 10 000.
    expected = {"funded": {"W", "Y", "Z"}, "reserve": {"V"}, "used": D("90000"), "remaining": D("10000")}

    page = client.get(reverse("ranking:ranking", args=[call.slug]))
    html = page.content.decode()
    ranking = page.context["ranking"]
    on_page = {
        "funded": {r.application.title for r in ranking.rows if r.funded},
        "reserve": set(titles(ranking.reserve)),
        "used": ranking.budget_use.used,
        "remaining": ranking.budget_use.remaining,
    }
    assert on_page == expected
    assert 'data-testid="used">€ 90.000<' in html and 'data-testid="remaining">€ 10.000<' in html
    assert "Gemotiveerde afwijking." in html  # the award outside the ranking, with its motivation
    assert f'data-reference="{call.apps["X"].reference}" data-funded="false" data-funding="rejected"' in html
    chart = ranking.chart_data()
    assert dict(zip(chart["labels"], chart["status"], strict=True))[call.apps["X"].reference] == "rejected"
    assert "€ 90.000" in chart["summary"] and "€ 10.000" in chart["summary"]

    csv_response = client.get(reverse("ranking:export_csv", args=[call.slug]))
    content = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(content), delimiter=";"))  # Dutch: semicolons, decimal commas
    counted = {line["Titel"]: D(line["Meegeteld in het budget"].replace(",", ".")) for line in lines}
    assert {title for title, amount in counted.items() if amount} == expected["funded"]
    assert {line["Titel"] for line in lines if line["Financieringslijn"] == "reserve"} == expected["reserve"]
    assert sum(counted.values()) == expected["used"]
    assert call.total_budget - sum(counted.values()) == expected["remaining"]

    xlsx = client.get(reverse("ranking:export_xlsx", args=[call.slug]))
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    budget_sheet = dict(list(workbook["Budget"].iter_rows(values_only=True))[1:])
    assert budget_sheet["Gebruikt"] == 90000 and budget_sheet["Resterend"] == 10000
    scores = list(workbook["Scores"].iter_rows(values_only=True))
    column = scores[0].index("Financieringslijn")
    assert {row[3] for row in scores[1:] if row[column] == "reserve"} == expected["reserve"]

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=call.manager)[0].key}")
    body = api.get(reverse("api:call-scores", args=[call.slug])).json()
    funding = {row["title"]: row["funding"] for row in body["results"]}
    assert {t for t, f in funding.items() if f in ("funded", "awarded")} == expected["funded"]
    assert {t for t, f in funding.items() if f == "reserve"} == expected["reserve"]
    assert funding["X"] == "rejected"
    assert D(body["budget"]["used"]) == expected["used"]
    assert D(body["budget"]["remaining"]) == expected["remaining"]
    assert sum(D(row["counted_amount"]) for row in body["results"]) == expected["used"]

    decision_page = client.get(reverse("ranking:decisions", args=[call.slug])).content.decode()
    assert 'data-testid="used">€ 90.000<' in decision_page and 'data-testid="remaining">€ 10.000<' in decision_page
    decide_page = client.get(reverse("ranking:decide", args=[call.slug, call.apps["V"].pk])).content.decode()
    assert 'data-testid="used">€ 90.000<' in decide_page and 'data-testid="remaining">€ 10.000<' in decide_page


# --- ties -----------------------------------------------------------------------------------


def test_a_tie_on_the_total_says_which_rule_separated_the_applications(client):
    call = closed_call(total_budget=D("1000000"))
    first = criterion(call, 1, order=1, title_nl="Relevantie")
    second = criterion(call, 1, order=2, title_nl="Haalbaarheid")
    a = application(call, title="A")
    b = application(call, title="B")  # submitted a minute after A
    c = application(call, title="C")
    review(a, {first: 4, second: 2})
    review(b, {first: 4, second: 2})
    review(c, {first: 2, second: 4})

    ranking = ranking_for(call)

    assert titles(ranking.passing) == ["A", "B", "C"]
    assert ranking.passing[0].tie_break is None
    assert "later ingediend" in ranking.passing[1].tie_break and a.reference in ranking.passing[1].tie_break
    assert "Relevantie" in ranking.passing[2].tie_break and b.reference in ranking.passing[2].tie_break
    client.force_login(manager_of(call))
    html = client.get(reverse("ranking:ranking", args=[call.slug])).content.decode()
    assert html.count('data-testid="tie-break"') == 2
