"""Issue 13: the default ranking page builds rows only for what it shows, the exports stream
from the ranking query, and the per-row URLs come from one reversed prefix."""

import pytest
from django.urls import reverse

from reviews.ranking import ranking_for

from .ranking_data import D, application, closed_call, criterion, manager_of, review

pytestmark = pytest.mark.django_db


def large_call():
    call = closed_call(total_budget=D("100000"), reviews_required=1)
    only = criterion(call, 1, threshold="2.5")
    for i, score in enumerate(["5", "4.5", "4", "3.5", "3", "2"]):
        review(application(call, title=f"P{i}", requested=50000), {only: score})
    return call


def test_the_default_page_builds_rows_only_for_the_applications_it_shows(client, monkeypatch):
    monkeypatch.setattr("reviews.ranking.ROWS_BELOW_LINE", 1)
    monkeypatch.setattr("reviews.ranking.LIST_LIMIT", 2)
    call = large_call()
    client.force_login(manager_of(call))

    response = client.get(reverse("ranking:ranking", args=[call.slug]))
    ranking = response.context["ranking"]

    # Every score figure only for the passing table, read for those lines alone; no model rows
    # at all; the reserve list and the failing list show what the funding line read already.
    assert [line.title for line in ranking.passing_table] == ["P0", "P1", "P2"]
    with_figures = {line.title for line in ranking._lines() if line.figures is not None}
    assert with_figures == {"P0", "P1", "P2"}
    assert not ranking._shown_rows and ranking._all_rows is None  # P4 was never built
    page = response.content.decode()
    reserve_list = page.split('class="reserve-list"')[1].split("</ol>")[0]
    listed = {row.title for row in ranking.reserve_listed} | {row.title for row in ranking.failing_listed}
    assert listed == {"P2", "P3", "P5"}
    for title in ("P2", "P3"):
        assert f"– {title}:" in reserve_list
    assert "– P4:" not in reserve_list
    p5 = next(row for row in ranking.failing_listed if row.title == "P5")
    assert f'<tr id="row-{p5.pk}">' in page
    # The funding line and the totals came from the amounts of every application.
    assert ranking.budget_use.used == D("100000") and ranking.budget_use.reserve_count == 3


def test_the_line_from_amounts_equals_the_line_from_rows():
    call = large_call()
    full, lean = ranking_for(call), ranking_for(call, lines_only=True)

    def place(row):
        return (row.application.pk, row.position, row.funded, row.running_total, row.funding, row.tie_break)

    assert [place(r) for r in lean.rows] == [place(r) for r in full.rows]
    assert lean.budget_use == full.budget_use
    assert lean.chart_data() == full.chart_data()


def test_the_row_urls_are_the_reversed_ones():
    call = large_call()
    row = ranking_for(call).passing[0]
    assert row.grant_url == reverse("ranking:grant", args=[call.slug, row.application.pk])
    assert row.decide_url == reverse("ranking:decide", args=[call.slug, row.application.pk])


def test_the_csv_export_is_streamed_row_by_row(client):
    call = large_call()
    client.force_login(manager_of(call))

    response = client.get(reverse("ranking:export_csv", args=[call.slug]))

    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 7 and "P0" in lines[1] and "P5" in lines[6]


def test_every_row_of_the_full_page_reads_as_it_does_from_the_applications(client):
    """?all=1 and the exports read one query of lines; each passing row of the page must be the
    markup a row built from the application gives: scores, consensus, criteria that do not
    apply, what-if amounts and decisions included."""
    from calls.tests.factories import ObjectiveFactory
    from reviews.decisions import decide
    from reviews.ranking import propose_grant
    from reviews.templatetags.ranking_rows import _Page, failing_row, passing_row

    from .ranking_data import consensus

    call = closed_call(total_budget=D("120000"), reviews_required=2)
    objective = ObjectiveFactory(call=call, number=1)
    first = criterion(call, 1, threshold="2.5")
    only_for_objective = criterion(call, 1, objective=objective)
    manager = manager_of(call)
    apps = []
    for i, (one, two) in enumerate([("5", "4"), ("4.5", "1"), ("4", "4.5"), ("3.5", "3"), ("2", "2"), ("3", "5")]):
        app = application(call, title=f"P{i}", requested=50000, objectives=[objective] if i % 2 else [])
        review(app, {first: one, only_for_objective: two})
        review(app, {first: "4", only_for_objective: "4"})
        apps.append(app)
    consensus(apps[3], first, "4.25")
    propose_grant(apps[2], amount=D("20000"), by=manager)
    decide(apps[0], outcome="award", granted_amount=D("45000"), motivation="Sterk.", by=manager)
    decide(apps[4], outcome="reject", motivation="Zwak.", by=manager)

    full, lines = ranking_for(call), ranking_for(call, figures=True)
    context = {"ranking": full, "call": call, "csrf_token": "token"}
    by_pk = {row.pk: row for row in full.rows}
    assert {line.pk for line in lines.in_order()} == set(by_pk)
    for line in lines.passing_lines:
        assert passing_row(_Page(context), line) == passing_row(_Page(context), by_pk[line.pk])
    for line in lines.failing_lines:
        assert line.organisation and failing_row(_Page(context), line) == failing_row(_Page(context), by_pk[line.pk])
    # The default page's table: the lean lines, with the figures read for the shown ones alone.
    default = ranking_for(call, lines_only=True)
    assert default.passing_table
    for line in default.passing_table:
        assert passing_row(_Page(context), line) == passing_row(_Page(context), by_pk[line.pk])

    client.force_login(manager)
    page = client.get(reverse("ranking:ranking", args=[call.slug]) + "?all=1").content.decode()
    for app in apps:
        assert f'id="row-{app.pk}"' in page


def test_the_ranking_query_read_from_its_cursor_gives_what_django_gives():
    """On PostgreSQL the ranking's lines are read from a server-side cursor as psycopg2 gives
    them (each distinct decimal made once): the values and their types must be the ones Django's
    own reading gives, decisions, what-if amounts and consensus scores included."""
    from applications.models import Application
    from reviews.decisions import decide
    from reviews.ranking import LINE_FIGURES, RANKED_STATUSES, _tuples, in_ranking_order, propose_grant
    from reviews.scoring import active_criteria, field, scored

    from .ranking_data import consensus

    call = closed_call(total_budget=D("100000"), reviews_required=1)
    first, second = criterion(call, 1, threshold="2.5"), criterion(call, 2)
    manager = manager_of(call)
    apps = [application(call, title=f"P{i}", requested=40000 + i) for i in range(4)]
    for app, (one, two) in zip(apps, [("5", "4.5"), ("3", "3.25"), ("2", "1")], strict=False):
        review(app, {first: one, second: two})
    consensus(apps[1], second, "3.5")
    propose_grant(apps[1], amount=D("12345.67"), by=manager)
    decide(apps[0], outcome="award", granted_amount=D("40000"), motivation="Sterk.", by=manager)

    criteria = active_criteria(call)
    columns = ["pk", "passes", "total", "submitted_at", "review_count", "decision__granted_amount"]
    columns += [field(c, name) for c in criteria for name in (*LINE_FIGURES, "final", "meets")]
    queryset = in_ranking_order(
        scored(Application.objects.filter(status__in=RANKED_STATUSES), call, criteria), criteria
    ).values_list(*columns)

    expected = list(queryset)
    for chunked in (True, False):
        read = list(_tuples(queryset, chunked=chunked))
        assert read == expected and len(read) == 4
        assert [[type(value) for value in row] for row in read] == [[type(v) for v in row] for row in expected]
