"""Applicant API: the same access (rules.py), the same status the applicant sees and the same
submit service as the pages, by token or session, and never a 500 on bad input."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.tests.factories import MembershipFactory, UserFactory
from applications import services
from applications.models import Status
from applications.tests.factories import ApplicationFactory, BudgetLineFactory
from calls.tests.factories import CallRoleFactory

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def api():
    return APIClient()


def _by_token(user) -> APIClient:
    api = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _detail(application):
    return reverse("api:application-detail", args=[application.pk])


def _submit(application):
    return reverse("api:application-submit", args=[application.pk])


# --- access ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_gets_401_and_reads_nothing(api, draft):
    for url in (reverse("api:application-list"), _detail(draft)):
        response = api.get(url)
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert api.post(_submit(draft)).status_code == 401


def test_a_token_reads_the_applications_of_the_users_organisations(complete, member):
    ApplicationFactory()  # another organisation's
    api = _by_token(member)
    response = api.get(reverse("api:application-list"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == complete.pk and row["call"] == complete.call.slug
    assert row["lead_organisation"] == member.organisation.name
    assert Decimal(row["total_cost"]) == Decimal("10000")


@pytest.mark.django_db
def test_a_wrong_token_is_refused(draft):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get(reverse("api:application-list")).status_code == 401


def test_a_session_works_too_and_a_session_post_needs_the_csrf_token(complete, member):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(member)
    assert api.get(_detail(complete)).status_code == 200
    assert api.post(_submit(complete), {}, format="json").status_code == 403
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT


def test_another_organisation_gets_404_on_read_and_submit(complete):
    outsider = MembershipFactory(role="owner").user
    api = _by_token(outsider)
    assert api.get(_detail(complete)).status_code == 404
    assert api.post(_submit(complete), {}, format="json").status_code == 404
    assert api.get(reverse("api:application-list")).json()["results"] == []
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT


@pytest.mark.django_db
def test_an_application_that_does_not_exist_is_404_like_one_you_may_not_see(member):
    assert _by_token(member).get(reverse("api:application-detail", args=[999999])).status_code == 404


def test_a_call_manager_reads_the_application_but_cannot_submit_it(complete, member):
    manager = CallRoleFactory(call=complete.call).user
    api = _by_token(manager)
    assert api.get(_detail(complete)).status_code == 404  # a draft is the applicant's alone
    assert api.post(_submit(complete), {}, format="json").status_code == 404
    services.submit(complete, declaration=True, by=member)
    assert api.get(_detail(complete)).status_code == 200
    other_manager = CallRoleFactory().user
    assert _by_token(other_manager).get(_detail(complete)).status_code == 404


# --- what is shown -----------------------------------------------------------------------


def test_the_detail_has_the_whole_content(complete, member):
    data = _by_token(member).get(_detail(complete)).json()
    assert data["status"] == "draft" and data["reference"] is None
    assert data["version"] == complete.version
    assert [p["kind"] for p in data["partners"]] == ["news_media"]
    assert [(line["category"], Decimal(line["amount"])) for line in data["budget_lines"]] == [
        ("personnel", Decimal("10000"))
    ]
    assert {a["question"] for a in data["answers"]} == {"Welk probleem?", "Welke output?"}
    [attachment] = data["attachments"]
    assert attachment["original_name"] == "plan.pdf"
    assert attachment["download_url"].endswith(complete.attachments.get().get_absolute_url())
    assert [o["number"] for o in data["objectives"]] == [1]
    assert "contact_email" not in data["partners"][0]


@pytest.mark.parametrize("published", [False, True])
def test_an_unpublished_decision_is_never_shown(member, call, published):
    awarded = ApplicationFactory(
        call=call,
        lead_organisation=member.organisation,
        status=Status.AWARDED,
        reference="DES-2026-0001",
        submitted_at=timezone.now(),
        decision_published_at=timezone.now() if published else None,
    )
    api = _by_token(member)
    [row] = api.get(reverse("api:application-list")).json()["results"]
    detail = api.get(_detail(awarded)).json()
    expected = "awarded" if published else "in_review"
    assert row["status"] == detail["status"] == expected


# --- submitting ----------------------------------------------------------------------------


def test_submit_through_the_api_gives_the_reference_of_the_pages(complete, member):
    response = _by_token(member).post(
        _submit(complete), {"version": complete.version, "declaration": True}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "submitted"
    assert data["reference"] == f"DES-{complete.call.opens_at.astimezone(BRUSSELS).year}-0001"
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED and complete.reference == data["reference"]
    # A retry is the same submission, not a second reference.
    again = _by_token(member).post(_submit(complete), {}, format="json")
    assert again.status_code == 200 and again.json()["reference"] == data["reference"]


def test_a_late_submit_is_refused_with_the_brussels_time_message(complete, member):
    deadline = datetime(2026, 5, 12, 12, 0, tzinfo=BRUSSELS)  # a Tuesday
    call = complete.call
    call.opens_at, call.closes_at = deadline - timedelta(days=60), deadline
    call.save()
    api = _by_token(member)
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        response = api.post(_submit(complete), {}, format="json")
        english = api.post(_submit(complete) + "?lang=en", {}, format="json")
    assert response.status_code == 400
    assert "dinsdag 12 mei 2026" in response.json()["detail"] and "12:00" in response.json()["detail"]
    assert "Brusselse tijd" in response.json()["detail"]
    assert english.status_code == 400 and "(Brussels time)" in english.json()["detail"]
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and complete.reference is None


def test_a_token_users_preferred_language_is_used(complete, member):
    member.preferred_language = "en"
    member.save()
    complete.call.closes_at = timezone.now() - timedelta(minutes=1)
    complete.call.opens_at = timezone.now() - timedelta(days=30)
    complete.call.save()
    response = _by_token(member).post(_submit(complete), {}, format="json")
    assert response.status_code == 400 and "(Brussels time)" in response.json()["detail"]
    assert response["Content-Language"] == "en"


def test_a_refused_submit_says_why(draft, member):
    response = _by_token(member).post(_submit(draft), {}, format="json")
    assert response.status_code == 400 and response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_submit_of_a_stale_version_is_refused(complete, member):
    response = _by_token(member).post(_submit(complete), {"version": complete.version + 1}, format="json")
    assert response.status_code == 400 and "ander venster" in response.json()["detail"]
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"version": "abc"}', "application/json"),
        ('{"version": -1}', "application/json"),
        ('{"version": 1e300}', "application/json"),
        ('{"version": 100000000000000000000}', "application/json"),
        ('{"version": [1]}', "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
        ("{not json", "application/json"),
        ("version=x", "application/x-www-form-urlencoded"),
        ("<xml/>", "application/xml"),
    ],
)
def test_garbage_to_submit_is_a_400_and_submits_nothing(complete, member, body, content_type):
    api = _by_token(member)
    response = api.generic("POST", _submit(complete), body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response["Content-Type"].startswith("application/json")
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and complete.reference is None


# --- queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 12])
def test_the_list_takes_a_fixed_number_of_queries(member, call, rows, django_assert_max_num_queries):
    for number in range(rows):
        application = ApplicationFactory(call=call, lead_organisation=member.organisation)
        if number % 2:  # half of them without any budget line yet
            BudgetLineFactory(application=application)
    api = _by_token(member)
    with django_assert_max_num_queries(3):
        response = api.get(reverse("api:application-list"))
    totals = [Decimal(row["total_cost"]) for row in response.json()["results"]]
    assert len(totals) == rows and sum(totals) == Decimal("10000") * (rows // 2)


@pytest.mark.django_db
def test_the_list_is_paginated_by_fifty(member, call):
    for _ in range(51):
        ApplicationFactory(call=call, lead_organisation=member.organisation, created_by=UserFactory())
    page = _by_token(member).get(reverse("api:application-list")).json()
    assert page["count"] == 51 and len(page["results"]) == 50 and page["next"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_api_answers_hidden_and_missing_alike(complete, lang):
    """An application the user may not see and one that does not exist: the same status and
    the same bytes, so the API confirms no existence."""
    stranger = _by_token(MembershipFactory(role="owner").user)
    missing = complete.pk + 100000
    hidden = stranger.get(_detail(complete), {"lang": lang})
    absent = stranger.get(reverse("api:application-detail", args=[missing]), {"lang": lang})
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content
    submit_hidden = stranger.post(_submit(complete), {}, format="json")
    submit_absent = stranger.post(_submit(complete).replace(str(complete.pk), str(missing)), {}, format="json")
    assert (submit_hidden.status_code, submit_hidden.content) == (submit_absent.status_code, submit_absent.content)
