"""The scores API: for the call's managers and administrators only, the same figures as the
ranking page (both read `scoring.scored`), paginated, in a fixed number of queries."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory
from reviews.ranking import ranking_for

from .ranking_data import D, application, closed_call, consensus, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    """A (5/5), B (4/4 with a consensus of 2 on the second criterion), C (2/4.5: fails the
    first threshold), D without reviews."""
    call = closed_call(reviews_required=2)
    first = criterion(call, 2, threshold="2.5", title_nl="Relevantie")
    second = criterion(call, 1, threshold=None, title_nl="Haalbaarheid")
    apps = {title: application(call, title=title) for title in "ABCD"}
    for one, two in [(5, 5), (5, 5)]:
        review(apps["A"], {first: one, second: two})
    for one, two in [(4, 4), (4, 3)]:
        review(apps["B"], {first: one, second: two})
    consensus(apps["B"], second, 2)
    review(apps["C"], {first: 2, second: "4.5"})
    call.apps, call.first, call.second = apps, first, second
    return call


def scores_url(call):
    return reverse("api:call-scores", args=[call.slug])


def by_token(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_the_scores_are_those_of_the_ranking_page(call):
    response = by_token(manager_of(call)).get(scores_url(call))
    assert response.status_code == 200
    rows = response.json()["results"]
    ranking = ranking_for(call)
    assert [row["id"] for row in rows] == [r.application.pk for r in ranking.rows]
    assert [row["title"] for row in rows] == ["A", "B", "C", "D"]
    for row, ranked in zip(rows, ranking.rows, strict=True):
        assert (row["total"] and D(row["total"])) == ranked.total
        assert (row["total_display"] and D(row["total_display"])) == ranked.total_display
        assert row["passes"] == ranked.passes
        assert [(c["criterion"], c["final"] and D(c["final"])) for c in row["criteria"]] == [
            (score.criterion.pk, score.final) for score in ranked.criteria
        ]
    a, b, c, d = rows
    assert a["total_display"] == "100.0" and a["review_count"] == 2 and a["reviews_missing"] is False
    second_of_b = b["criteria"][1]
    assert second_of_b["from_consensus"] is True and D(second_of_b["final"]) == 2 and D(second_of_b["mean"]) == D("3.5")
    assert c["passes"] is False and c["criteria"][0]["meets_threshold"] is False and c["reviews_missing"] is True
    assert d["total"] is None and d["review_count"] == 0


def test_an_administrator_reads_the_scores_of_any_call(call):
    assert by_token(UserFactory(is_staff=True, is_superuser=True)).get(scores_url(call)).status_code == 200


@pytest.mark.parametrize("who", ["reviewer", "manager_of_another_call", "applicant", "someone", "unpublished_slug"])
def test_everybody_else_gets_404(call, who):
    if who == "reviewer":
        user = UserFactory()
        CallRoleFactory(call=call, user=user, role=CallRole.Role.REVIEWER)
    elif who == "manager_of_another_call":
        user = manager_of(CallFactory())
    elif who == "applicant":
        user = member_of(call.apps["A"].lead_organisation)
    else:
        user = UserFactory()
    url = scores_url(call) if who != "unpublished_slug" else reverse("api:call-scores", args=["bestaat-niet"])
    response = by_token(user).get(url)
    assert response.status_code == 404
    assert "results" not in response.json()


def test_anonymous_gets_401(call):
    assert APIClient().get(scores_url(call)).status_code == 401


def test_a_session_works_too(call):
    api = APIClient()
    api.force_login(manager_of(call))
    assert len(api.get(scores_url(call)).json()["results"]) == 4


def test_with_two_factor_required_a_manager_without_it_is_refused(call, settings):
    """As on the /manage/ pages: staff data needs an account with two-factor authentication."""
    settings.REQUIRE_STAFF_MFA = True
    manager = manager_of(call)
    refused = by_token(manager).get(scores_url(call), {"lang": "en"})
    assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    assert by_token(manager).get(scores_url(call)).status_code == 200


@pytest.mark.parametrize("size", [2, 15])
def test_the_query_count_does_not_grow(size, django_assert_max_num_queries):
    call = closed_call(reviews_required=1)
    criteria = [criterion(call, 1, threshold="2"), criterion(call, 2)]
    for i in range(size):
        app = application(call, title=f"Project {i}")
        review(app, {criteria[0]: i % 5, criteria[1]: 3})
    api = by_token(manager_of(call))
    with django_assert_max_num_queries(7):
        response = api.get(scores_url(call))
    assert len(response.json()["results"]) == size


def test_the_scores_are_paginated_by_fifty(django_assert_max_num_queries):
    call = closed_call()
    criterion(call, 1)
    for i in range(52):
        application(call, title=f"Project {i}")
    api = by_token(manager_of(call))
    first = api.get(scores_url(call)).json()
    assert first["count"] == 52 and len(first["results"]) == 50
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2
    seen = {row["id"] for row in first["results"]} | {row["id"] for row in second["results"]}
    assert len(seen) == 52


def test_the_api_answers_hidden_and_missing_alike(call):
    """An unpublished call, a call the user does not manage and a slug that does not exist:
    the same status and the same bytes."""
    unpublished = CallFactory(published=False)
    api = by_token(UserFactory())
    answers = [
        api.get(url)
        for url in (
            scores_url(call),
            scores_url(unpublished),
            reverse("api:call-scores", args=["bestaat-niet"]),
        )
    ]
    assert {(a.status_code, a.content) for a in answers} == {(404, answers[0].content)}
