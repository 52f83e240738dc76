"""Public API of calls: what an integrator reads of a call, and the eligibility self-check,
with the same answers as the pages and never a 500 on bad input."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from calls import eligibility
from calls.models import RuleKind
from calls.seed import DES, LB, LB2
from calls.tests.conftest import BRUSSELS
from calls.tests.factories import (
    CallFactory,
    CallRoleFactory,
    CriterionFactory,
    EligibilityRuleFactory,
    ObjectiveFactory,
)


@pytest.fixture
def api():
    return APIClient()


def _eligibility(api, slug, facts, **extra):
    return api.post(reverse("api:call-eligibility", args=[slug]) + extra.pop("query", ""), facts, format="json")


@pytest.mark.django_db
def test_anonymous_reads_the_published_calls_and_never_an_unpublished_one(api):
    published = CallFactory()
    CallFactory(published=False)
    response = api.get(reverse("api:call-list"))
    assert response.status_code == 200
    assert [call["slug"] for call in response.json()["results"]] == [published.slug]


@pytest.mark.django_db
def test_an_unpublished_call_is_404_except_for_its_manager_previewing_it(api):
    draft = CallFactory(published=False)
    assert api.get(reverse("api:call-detail", args=[draft.slug])).status_code == 404
    assert _eligibility(api, draft.slug, {"lead_kind": "research"}).status_code == 404
    manager = CallRoleFactory(call=draft).user
    api.force_authenticate(manager)
    response = api.get(reverse("api:call-detail", args=[draft.slug]))
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_a_seeded_call_shows_its_objectives_criteria_rules_budget_and_dates(api, seeded):
    des = seeded[DES]
    response = api.get(reverse("api:call-detail", args=[DES]))
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == des.title_nl  # Dutch first
    assert Decimal(data["total_budget"]) == des.total_budget
    assert data["status"] == "closed" and data["status_display"] == "afgesloten"
    # ISO 8601 with the Brussels offset, so a client never guesses the time zone.
    assert data["closes_at"] == des.closes_at.astimezone(BRUSSELS).isoformat()
    assert [o["number"] for o in data["objectives"]] == list(des.objectives.values_list("number", flat=True))
    criteria = {c["title"]: c for c in data["criteria"]}
    for criterion in des.criteria.all():
        shown = criteria[criterion.title]
        assert Decimal(shown["weight"]) == criterion.weight
        assert (shown["threshold"] and Decimal(shown["threshold"])) == criterion.threshold
    with translation.override("nl"):
        described = [eligibility.describe(rule) for rule in des.eligibility_rules.all()]
    assert [rule["description"] for rule in data["eligibility_rules"]] == described
    assert data["eligibility_rules"][0] == {"rule": "lead_kinds", "severity": "blocking", "description": described[0]}


def test_call_texts_follow_the_language_asked(api, seeded):
    english = api.get(reverse("api:call-detail", args=[DES]), {"lang": "en"})
    assert english.json()["title"] == seeded[DES].title_en
    assert english.json()["status_display"] == "closed"
    assert english["Content-Language"] == "en"
    api.cookies["django_language"] = "en"
    assert api.get(reverse("api:call-detail", args=[DES])).json()["title"] == seeded[DES].title_en


def test_the_list_filters_on_status(api, seeded):
    open_call = CallFactory()
    response = api.get(reverse("api:call-list"), {"status": "open"})
    assert [call["slug"] for call in response.json()["results"]] == [open_call.slug]
    closed = api.get(reverse("api:call-list"), {"status": "closed"}).json()["results"]
    assert {call["slug"] for call in closed} == {DES, LB, LB2}


def test_a_lone_research_institution_is_not_eligible_for_the_disinformation_call(api, seeded):
    response = _eligibility(api, DES, {"lead_kind": "research", "objective_count": 1})
    assert response.status_code == 200
    answer = response.json()
    assert answer["eligible"] is False
    findings = {f["code"]: f for f in answer["findings"]}
    assert set(findings) == {"orgs_of_kinds", "partners_of_kind"}
    assert findings["orgs_of_kinds"]["severity"] == "blocking" and findings["orgs_of_kinds"]["section"] == "partners"
    assert "Minstens 2 organisaties" in findings["orgs_of_kinds"]["message"]  # Dutch by default


def test_with_a_news_medium_as_partner_the_research_institution_is_eligible(api, seeded):
    facts = {"lead_kind": "research", "partner_kinds": ["news_media"], "objective_count": 1}
    assert _eligibility(api, DES, facts).json() == {"eligible": True, "findings": []}


def test_the_answer_is_the_one_of_the_self_check_page(api, client, seeded):
    """Same call, same facts, same function: the page and the API find the same."""
    page = client.get(
        reverse("calls:eligibility", args=[LB]), {"lead_kind": "municipality", "requested_amount": "70000"}
    )
    # The page's form counts the objectives ticked (none); the API says so with objective_count.
    facts = {"lead_kind": "municipality", "requested_amount": "70000", "objective_count": 0}
    answer = _eligibility(api, LB, facts).json()
    assert answer["eligible"] is False
    assert [f["message"] for f in answer["findings"]] == [f.message for f in page.context["findings"]]
    # LB's themes are no condition: only the grant limit is found.
    assert len(answer["findings"]) == 1 and "€ 60.000" in answer["findings"][0]["message"]


def test_messages_come_in_the_language_asked(api, seeded):
    by_query = _eligibility(api, DES, {"lead_kind": "research"}, query="?lang=en").json()
    assert any("at least 2 organisations" in f["message"].lower() for f in by_query["findings"])
    api.cookies["django_language"] = "en"
    by_cookie = _eligibility(api, DES, {"lead_kind": "research"}).json()
    assert by_cookie == by_query


@pytest.mark.django_db
def test_a_warning_does_not_make_a_proposal_ineligible(api):
    call = CallFactory()
    EligibilityRuleFactory(call=call, kind=RuleKind.GRANT_MAX, number=None, amount=Decimal("1000"), severity="warning")
    answer = _eligibility(api, call.slug, {"lead_kind": "company", "requested_amount": 2000}).json()
    assert answer["eligible"] is True and [f["code"] for f in answer["findings"]] == ["grant_max"]


@pytest.mark.django_db
def test_an_unknown_call_is_404(api):
    assert _eligibility(api, "bestaat-niet", {"lead_kind": "research"}).status_code == 404
    assert api.get(reverse("api:call-detail", args=["bestaat-niet"])).status_code == 404


@pytest.mark.parametrize(
    "facts, field",
    [
        ({}, "lead_kind"),
        ({"lead_kind": "alien"}, "lead_kind"),
        ({"lead_kind": None}, "lead_kind"),
        ({"lead_kind": "research", "partner_kinds": "news_media"}, "partner_kinds"),
        ({"lead_kind": "research", "partner_kinds": ["news_media", 7]}, "partner_kinds"),
        ({"lead_kind": "research", "partner_kinds": ["research"] * 51}, "partner_kinds"),
        ({"lead_kind": "research", "objective_count": -1}, "objective_count"),
        ({"lead_kind": "research", "objective_count": "veel"}, "objective_count"),
        ({"lead_kind": "research", "objective_count": 10**30}, "objective_count"),
        ({"lead_kind": "research", "requested_amount": "NaN"}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": "Infinity"}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": "1e400"}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": -5}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": "12.345"}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": [1]}, "requested_amount"),
        ({"lead_kind": "research", "requested_amount": 100, "total_cost": 50}, "total_cost"),
        ({"lead_kind": "research", "start_date": "2026-02-30"}, "start_date"),
        ({"lead_kind": "research", "end_date": "gisteren"}, "end_date"),
        ({"lead_kind": "research", "waiver_motivation": "a\x00b"}, "waiver_motivation"),
        ({"lead_kind": "research", "waiver_motivation": {"a": 1}}, "waiver_motivation"),
    ],
)
def test_bad_facts_are_field_errors(api, seeded, facts, field):
    response = _eligibility(api, DES, facts)
    assert response.status_code == 400
    assert field in response.json()
    assert isinstance(response.json()[field], list | dict)


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
        ('"research"', "application/json"),
        ("lead_kind=research&objective_count=x", "application/x-www-form-urlencoded"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_a_body_that_is_not_an_object_is_a_400(api, seeded, body, content_type):
    response = api.generic("POST", reverse("api:call-eligibility", args=[DES]), body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response["Content-Type"].startswith("application/json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    [
        "lead_kind",
        "partner_kinds",
        "objective_count",
        "requested_amount",
        "total_cost",
        "waiver_motivation",
        "start_date",
        "end_date",
    ]
)
kinds = st.sampled_from(["research", "news_media", "municipality", "company", ""])


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(field_names, json_values | kinds | st.lists(kinds, max_size=4), max_size=8),
)
def test_any_json_object_gets_an_answer_or_field_errors_never_a_500(body):
    call = _fuzz_call()
    response = APIClient().post(
        reverse("api:call-eligibility", args=[call.slug]), json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert set(response.json()) == {"eligible", "findings"}


def _fuzz_call():
    """One call with every kind of rule, made once per database."""
    from calls.models import Call

    existing = Call.objects.filter(slug="fuzz").first()
    if existing:
        return existing
    call = CallFactory(slug="fuzz")
    rules = [
        dict(kind=RuleKind.LEAD_KINDS, number=None, org_kinds=["research", "news_media"]),
        dict(kind=RuleKind.MIN_PARTNERS, number=2),
        dict(kind=RuleKind.MAX_PARTNERS, number=5),
        dict(kind=RuleKind.PARTNERS_OF_KIND, number=1, org_kind="news_media"),
        dict(kind=RuleKind.MIN_OBJECTIVES, number=1),
        dict(kind=RuleKind.GRANT_MIN, number=None, amount=Decimal("1000")),
        dict(kind=RuleKind.GRANT_MAX, number=None, amount=Decimal("60000")),
        dict(kind=RuleKind.MAX_GRANT_SHARE, number=None, percent=Decimal("80"), waiver_allowed=True),
        dict(kind=RuleKind.MAX_DURATION, number=24),
    ]
    for rule in rules:
        EligibilityRuleFactory(call=call, **rule)
    return call


@pytest.mark.parametrize("calls", [1, 6])
def test_the_list_takes_a_fixed_number_of_queries(api, db, calls, django_assert_max_num_queries):
    for _ in range(calls):
        call = CallFactory()
        objective = ObjectiveFactory(call=call)
        CriterionFactory(call=call, objective=objective, threshold=Decimal("2"))
        EligibilityRuleFactory(call=call)
        EligibilityRuleFactory(call=call, kind=RuleKind.LEAD_KINDS, number=None, org_kinds=["research"])
    with django_assert_max_num_queries(9):
        response = api.get(reverse("api:call-list"))
    assert len(response.json()["results"]) == calls


@pytest.mark.django_db
def test_the_openapi_schema_describes_the_api(api):
    response = api.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/calls/",
        "/api/v1/calls/{slug}/",
        "/api/v1/calls/{slug}/eligibility/",
        "/api/v1/calls/{slug}/scores/",
        "/api/v1/applications/",
        "/api/v1/applications/{id}/",
        "/api/v1/applications/{id}/submit/",
    ):
        assert path in paths
    assert api.get(reverse("api-docs")).status_code == 200
