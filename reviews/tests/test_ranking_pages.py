"""The ranking page, its what-if amounts, the exports and the decision pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganisationFactory, UserFactory
from applications.models import Application
from portal.models import AuditEvent
from reviews.models import Assignment, ConsensusScore, Decision, DecisionEmailTemplate, GrantProposal, Review, Score

from .ranking_data import D, application, closed_call, criterion, manager_of, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    """Budget 100 000, strict. A (5/5) and B (4/4) ask 50 000 each, C (3.5/3) 30 000: the line
    falls after B. F fails the first criterion."""
    call = closed_call(total_budget=D("100000"), reviews_required=2, disagreement_gap=D("2"))
    first = criterion(call, 1, threshold="2.5", title_nl="Relevantie")
    second = criterion(call, 1, threshold="2.5", title_nl="Haalbaarheid")
    apps = {}
    for title, scores, amount in [
        ("A", [(5, 5), (5, 5)], 50000),
        ("B", [(4, 4), (4, 4)], 50000),
        ("C", [(2, 3), ("4.5", 3)], 30000),  # disagreement on the first criterion
        ("F", [(2, 5)], 10000),  # one review missing, below the first threshold
    ]:
        apps[title] = application(call, title=title, requested=amount)
        for one, two in scores:
            review(apps[title], {first: one, second: two})
    call.apps = apps
    return call


@pytest.fixture
def manager(call, client):
    manager = manager_of(call)
    client.force_login(manager)
    return manager


def ranking_url(call):
    return reverse("ranking:ranking", args=[call.slug])


def funded_titles(response):
    ranking = response.context["ranking"]
    return [row.application.title for row in ranking.funded]


def test_the_ranking_page_shows_the_line_the_budget_and_the_markers(call, manager, client):
    response = client.get(ranking_url(call))

    assert response.status_code == 200
    html = response.content.decode()
    assert funded_titles(response) == ["A", "B"]
    assert html.count('data-testid="funding-line"') == 1
    assert html.index('data-testid="funding-line"') < html.index(call.apps["C"].reference + "</span>")
    assert "€ 100.000" in html  # budget and used
    assert 'data-testid="remaining">€ 0<' in html
    assert 'data-testid="disagreement"' in html
    assert 'data-testid="missing-reviews"' in html
    assert "Relevantie: score 2,00" in html  # the failing list says why
    assert 'id="ranking-chart-data"' in html
    assert "ranking.js" in html and "<script>" not in html.replace('<script src="', "")


def test_only_managers_of_the_call_see_the_ranking(call, client):
    url = ranking_url(call)
    assert client.get(url).status_code == 302  # anonymous: to the login page

    outsider = UserFactory()
    manager_of(closed_call(), email="other-call@example.org")  # manages another call
    client.force_login(outsider)
    for name, args in [
        ("ranking:ranking", [call.slug]),
        ("ranking:export_csv", [call.slug]),
        ("ranking:export_xlsx", [call.slug]),
        ("ranking:apply", [call.slug]),
        ("ranking:decisions", [call.slug]),
        ("ranking:decide", [call.slug, call.apps["A"].pk]),
        ("ranking:publish", [call.slug]),
        ("ranking:emails", [call.slug]),
        ("ranking:email", [call.slug, "award", "nl"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    response = client.post(reverse("ranking:grant", args=[call.slug, call.apps["A"].pk]), {"amount": "1"})
    assert response.status_code == 404
    assert not GrantProposal.objects.exists()


def test_changing_a_granted_amount_with_htmx_returns_the_table_with_the_line_moved(call, manager, client):
    c = call.apps["B"]
    response = client.post(
        reverse("ranking:grant", args=[call.slug, c.pk]), {"amount": "20000"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="ranking-table">') and "<html" not in html
    assert funded_titles(response) == ["A", "B", "C"]
    assert 'hx-swap-oob="true"' in html  # the live region announces the new totals
    assert GrantProposal.objects.get(application=c).amount == D("20000")


def test_changing_a_granted_amount_without_javascript_redirects_back_to_the_ranking(call, manager, client):
    response = client.post(reverse("ranking:grant", args=[call.slug, call.apps["B"].pk]), {"amount": "19999,50"})

    assert response.status_code == 302
    assert response["Location"].startswith(ranking_url(call))
    assert GrantProposal.objects.get(application=call.apps["B"]).amount == D("19999.50")
    assert funded_titles(client.get(ranking_url(call))) == ["A", "B", "C"]


@pytest.mark.parametrize("htmx", [True, False])
def test_an_amount_above_the_requested_one_is_refused_beside_the_field_and_kept(call, manager, client, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("ranking:grant", args=[call.slug, call.apps["B"].pk]), {"amount": "75000"}, headers=headers
    )

    assert response.status_code == (200 if htmx else 422)
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'value="75000"' in html
    assert "€ 50.000" in html and "invalid-feedback" in html
    assert 'role="alert"' in html  # the summary at the top
    assert not GrantProposal.objects.exists()


def test_a_nonsense_amount_is_refused_without_an_error_page(call, manager, client):
    response = client.post(reverse("ranking:grant", args=[call.slug, call.apps["B"].pk]), {"amount": "veel"})

    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()


def test_an_empty_amount_goes_back_to_the_requested_amount(call, manager, client):
    GrantProposal.objects.create(application=call.apps["B"], amount=D("1000"))

    client.post(reverse("ranking:grant", args=[call.slug, call.apps["B"].pk]), {"amount": ""})

    assert not GrantProposal.objects.exists()


def parse_csv(response, delimiter=";"):
    """The CSV as a spreadsheet program reads it: Dutch (the default) uses semicolons."""
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=delimiter))


def test_the_csv_export_has_the_same_scores_as_the_page_and_is_audited(call, manager, client):
    response = client.get(reverse("ranking:export_csv", args=[call.slug]))

    assert response.status_code == 200
    rows = parse_csv(response)
    header, lines = rows[0], {line[3]: dict(zip(rows[0], line, strict=True)) for line in rows[1:]}
    assert set(lines) == {"A", "B", "C", "F"}
    assert lines["A"]["Totaal (%)"] == "100" and lines["A"]["Rang"] == "1"
    assert lines["C"]["Relevantie: score"] == "3,25"  # a decimal comma, as Belgian Excel reads it
    assert lines["C"]["Relevantie: mediaan"] == "3,25"
    assert lines["C"]["Relevantie: onenigheid"] == "ja"
    assert lines["F"]["Geslaagd"] == "nee"
    assert lines["F"]["Ingediende beoordelingen"] == "1"
    assert AuditEvent.objects.filter(action="scores_exported", call_id=call.pk, actor=manager).exists()
    assert len(header) == 4 + 2 * 6 + 12


def test_the_xlsx_export_has_the_same_rows(call, manager, client):
    from openpyxl import load_workbook

    response = client.get(reverse("ranking:export_xlsx", args=[call.slug]))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["A", "B", "C", "F"]
    total_column = rows[0].index("Totaal (%)")
    assert rows[1][total_column] == 100


def bulk_call(size):
    """A call with `size` reviewed applications, built with bulk inserts, with consensus
    scores, what-if amounts and decisions sprinkled over it so every join is exercised."""
    call = closed_call(reviews_required=3, total_budget=D("1000000"))
    criteria = [criterion(call, weight, threshold="2.5") for weight in (1, 1, 2)]
    organisations = [OrganisationFactory() for _ in range(5)]
    reviewers = [UserFactory() for _ in range(3)]
    now = timezone.now()
    apps = Application.objects.bulk_create(
        Application(
            call=call,
            lead_organisation=organisations[i % 5],
            title=f"Project {i}",
            reference=f"{call.reference_prefix}-2021-{i:05d}",
            status="in_review",
            requested_amount=D(40000 + i * 10),
            submitted_at=call.closes_at - timedelta(minutes=size - i),
        )
        for i in range(size)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(application=a, reviewer=r, declared_at=now) for a in apps for r in reviewers
    )
    done = Review.objects.bulk_create(Review(assignment=a, submitted_at=now) for a in assignments)
    Score.objects.bulk_create(
        Score(review=r, criterion=c, score=D((r.pk * 7 + c.pk * 3) % 11) / 2, comment="Goed.")
        for r in done
        for c in criteria
    )
    ConsensusScore.objects.bulk_create(
        ConsensusScore(application=a, criterion=criteria[0], score=D("4"), justification="Panel.") for a in apps[::7]
    )
    GrantProposal.objects.bulk_create(GrantProposal(application=a, amount=D("30000")) for a in apps[::5])
    Decision.objects.bulk_create(
        Decision(application=a, outcome="reserve", motivation="Reserve.", decided_at=now) for a in apps[::9]
    )
    return call


@pytest.mark.parametrize("size", [5, 200])
def test_the_ranking_page_query_count_does_not_grow(client, size, django_assert_max_num_queries):
    call = bulk_call(size)
    client.force_login(manager_of(call))

    with django_assert_max_num_queries(9):
        response = client.get(ranking_url(call))

    assert response.status_code == 200
    assert len(response.context["ranking"].rows) == size


@pytest.mark.parametrize("size", [5, 200])
def test_the_decisions_page_and_the_export_query_count_does_not_grow(client, size, django_assert_max_num_queries):
    call = bulk_call(size)
    client.force_login(manager_of(call))

    with django_assert_max_num_queries(9):
        assert client.get(reverse("ranking:decisions", args=[call.slug])).status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(reverse("ranking:export_csv", args=[call.slug]))
        assert len(parse_csv(response)) == size + 1


def test_applying_the_proposal_from_the_page(call, manager, client):
    page = client.get(reverse("ranking:apply", args=[call.slug]))
    assert page.status_code == 200
    assert [r.application.title for r in page.context["to_award"]] == ["A", "B"]

    response = client.post(reverse("ranking:apply", args=[call.slug]))

    assert response.status_code == 302
    outcomes = dict(Decision.objects.values_list("application__title", "outcome"))
    assert outcomes == {"A": "award", "B": "award", "C": "reserve", "F": "reject"}


def test_deciding_one_application_shows_errors_beside_the_fields(call, manager, client):
    url = reverse("ranking:decide", args=[call.slug, call.apps["C"].pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["outcome"] == "reserve"

    response = client.post(url, {"outcome": "award", "granted_amount": "99999", "motivation": ""})

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"granted_amount", "motivation"}
    assert 'id="error-summary"' in response.content.decode()
    assert not Decision.objects.exists()

    response = client.post(url, {"outcome": "award", "granted_amount": "25000", "motivation": "Klein maar sterk."})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.outcome, decision.granted_amount) == ("award", D("25000"))


def test_publishing_from_the_page(call, manager, client):
    client.post(reverse("ranking:apply", args=[call.slug]))
    assert client.get(reverse("ranking:publish", args=[call.slug])).status_code == 200

    response = client.post(reverse("ranking:publish", args=[call.slug]))

    assert response.status_code == 302
    assert not Decision.objects.filter(published_at__isnull=True).exists()


def test_a_published_reserve_application_can_be_awarded_from_the_decision_page(call, manager, client):
    client.post(reverse("ranking:apply", args=[call.slug]))
    client.post(reverse("ranking:publish", args=[call.slug]))
    url = reverse("ranking:decide", args=[call.slug, call.apps["C"].pk])

    page = client.get(url)
    assert [value for value, _label in page.context["form"].fields["outcome"].choices] == ["award"]
    response = client.post(url, {"outcome": "award", "granted_amount": "30000", "motivation": "Budget vrij."})

    assert response.status_code == 302
    decision = Decision.objects.get(application=call.apps["C"])
    assert decision.outcome == "award" and decision.published_at is not None
    # A published award is final: the page offers no form.
    assert client.get(reverse("ranking:decide", args=[call.slug, call.apps["A"].pk])).context["form"] is None


def test_editing_a_decision_email_with_preview_save_and_reset(call, manager, client):
    url = reverse("ranking:email", args=[call.slug, "award", "nl"])
    page = client.get(url)
    assert page.status_code == 200
    assert "{{ organisation }}" in page.context["form"].initial["body"]
    assert page.context["preview"]["example"] is True

    preview = client.post(
        url, {"subject": "Proficiat {{ organisation }}", "body": "Bedrag: {{ granted_amount }}", "preview": "1"}
    )
    assert preview.status_code == 200
    assert preview.context["preview"]["body"].startswith("Bedrag: € 50.000")
    assert not DecisionEmailTemplate.objects.exists()

    bad = client.post(url, {"subject": "Hallo", "body": "{{ reviewer }} {% debug %}", "save": "1"})
    assert bad.status_code == 422
    assert "body" in bad.context["form"].errors
    assert "{{ reviewer }} {% debug %}" in bad.content.decode()  # what was typed is kept
    assert not DecisionEmailTemplate.objects.exists()

    saved = client.post(
        url, {"subject": "Proficiat {{ organisation }}", "body": "Bedrag: {{ granted_amount }}", "save": "1"}
    )
    assert saved.status_code == 302
    assert DecisionEmailTemplate.objects.get(call=call, outcome="award", language="nl").subject.startswith("Proficiat")

    client.post(url, {"reset": "1"})
    assert not DecisionEmailTemplate.objects.exists()


def test_the_email_template_list_shows_which_messages_are_the_calls_own(call, manager, client):
    DecisionEmailTemplate.objects.create(call=call, outcome="reject", language="en", subject="s", body="b")

    entries = client.get(reverse("ranking:emails", args=[call.slug])).context["entries"]

    assert len(entries) == 6
    assert [(e["outcome"], e["language"]) for e in entries if e["customised"]] == [("reject", "en")]


def test_the_ranking_page_speaks_english_when_asked(call, manager, client):
    client.cookies.load({"django_language": "en"})

    html = client.get(ranking_url(call)).content.decode()

    assert "Funding line: budget €100,000" in html
    assert ": score 2.00 is below the threshold of 2.50" in html


def test_a_large_call_shows_the_funded_rows_and_the_head_of_the_reserve_list(client, monkeypatch):
    """With thousands of applications the page stays readable: every funded row, a few below the
    line, the lists cut at a limit, a note saying so, and everything with ?all=1."""
    monkeypatch.setattr("reviews.ranking.ROWS_BELOW_LINE", 1)
    monkeypatch.setattr("reviews.ranking.LIST_LIMIT", 2)
    call = closed_call(total_budget=D("100000"), reviews_required=1)
    only = criterion(call, 1, threshold="2.5")
    for i, score in enumerate(["5", "4.5", "4", "3.5", "3", "2"]):
        review(application(call, title=f"P{i}", requested=50000), {only: score})
    client.force_login(manager_of(call))

    ranking = client.get(ranking_url(call)).context["ranking"]
    assert [r.application.title for r in ranking.funded] == ["P0", "P1"]
    assert [r.application.title for r in ranking.passing_shown] == ["P0", "P1", "P2"]  # one below the line
    assert [r.application.title for r in ranking.reserve_shown] == ["P2", "P3"]  # of P2, P3, P4
    # Left out: P3 and P4 of the table, P4 of the reserve list; the failing P5 is shown.
    assert ranking.rows_not_shown == 3
    page = client.get(ranking_url(call)).content.decode()
    assert 'data-testid="rows-not-shown"' in page and "?all=1" in page

    everything = client.get(ranking_url(call) + "?all=1")
    assert everything.context["ranking"].rows_not_shown == 0
    assert 'data-testid="rows-not-shown"' not in everything.content.decode()
