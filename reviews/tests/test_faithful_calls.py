"""The seeded calls' real eligibility rules, each used three ways (issue "faithful calls"):
the applicant's self-check page, the application's own findings (form validation and the
submit guard) and the staff's admissibility page, all through `calls.eligibility.check`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganisationFactory
from applications import selectors
from applications.models import Status
from applications.tests.factories import ApplicationFactory, BudgetLineFactory, PartnerFactory
from calls.models import CallRole
from calls.seed import DES, LB, LB2, seed_calls
from calls.tests.factories import CallFactory, CallRoleFactory
from portal.models import AuditEvent
from reviews import services
from reviews.services import ReviewError

pytestmark = pytest.mark.django_db

THOROUGH = (
    "Onze gemeente kan de cofinanciering van twintig procent dit jaar niet dragen. Het meerjarenplan werd in "
    "december vastgelegd, vóór de oproep bekend was, en de enige vrije middelen gaan naar de opvang van de "
    "overstromingsschade van juli. Het college keurde deze motivering goed op 3 mei; de raadsbeslissing zit "
    "als bijlage bij de aanvraag. Vanaf volgend jaar voorzien we de cofinanciering wel in het budget."
)


@pytest.fixture
def calls(db):
    return seed_calls()["calls"]


def self_check(client, call, language="nl", **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("calls:eligibility", args=[call.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def application_in(call, lead_kind, partner_kinds=(), requested="50000", cost="62500", lead=None, **fields):
    """A submitted application of a `lead_kind` organisation, with its partners and one budget
    line; the funding plan balances (own contribution = cost − request)."""
    application = ApplicationFactory(
        call=call,
        lead_organisation=lead or OrganisationFactory(kind=lead_kind),
        requested_amount=Decimal(requested),
        own_contribution=Decimal(cost) - Decimal(requested),
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        **fields,
    )
    for kind in partner_kinds:
        PartnerFactory(application=application, kind=kind)
    BudgetLineFactory(application=application, amount=Decimal(cost))
    application.objectives.set(call.objectives.all()[:1])
    return application


def staff_page(client, application):
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    manager = CallRoleFactory(call=application.call, role=CallRole.Role.MANAGER).user
    client.force_login(manager)
    response = client.get(reverse("manage_reviews:application", args=[application.call.slug, application.pk]))
    assert response.status_code == 200
    return response.content.decode(), manager


def codes(application):
    return {f.code for f in selectors.findings_for(application) if f.blocking}


# --- DES: a sector partnership with a news medium --------------------------------------------


def test_a_news_medium_with_a_company_is_refused_for_des_in_all_three_places(client, calls):
    des = calls[DES]
    assert "Nog niet in aanmerking" in self_check(client, des, lead_kind="news_media", partners_company=1)
    english = self_check(client, des, "en", lead_kind="news_media", partners_company=1)
    assert "Not eligible yet" in english
    assert "At least 2 organisations in the partnership must be of one of these kinds" in english
    assert "it has 1" in english

    application = application_in(des, "news_media", ["company"])
    assert codes(application) == {"orgs_of_kinds"}
    html, _manager = staff_page(client, application)
    assert "Minstens 2 organisaties in het samenwerkingsverband moeten van een van deze types zijn" in html


def test_a_news_medium_with_a_research_institution_passes_in_all_three_places(client, calls):
    des = calls[DES]
    objective = des.objectives.get(number=1).pk
    assert 'data-testid="eligible"' in self_check(
        client, des, lead_kind="news_media", partners_research=1, objectives=objective
    )
    assert 'data-testid="eligible"' in self_check(
        client, des, "en", lead_kind="news_media", partners_research=1, objectives=objective
    )
    application = application_in(des, "news_media", ["research"])
    assert codes(application) == set()
    html, _manager = staff_page(client, application)
    assert "moeten van een van deze types zijn" not in html and "van het type ‘nieuwsmedium’" not in html


def test_the_call_page_describes_the_sector_partnership_in_words(client, calls):
    html = client.get(reverse("calls:detail", args=[DES])).content.decode()
    assert "Minstens 2 organisaties in het samenwerkingsverband, de penvoerder inbegrepen" in html
    assert "‘nieuwsmedium’" in html


# --- Every call: no request above what the call can give -------------------------------------


def test_a_request_above_the_calls_budget_is_refused_in_any_call(client, db):
    call = CallFactory(total_budget=Decimal("100000"))  # no rules at all
    english = self_check(client, call, "en", lead_kind="other", requested_amount="100000.01", total_cost="200000")
    assert "may not exceed the budget of the call, €100,000" in english
    assert "mag niet hoger zijn dan het budget van de oproep, € 100.000" in self_check(
        client, call, lead_kind="other", requested_amount="100000.01", total_cost="200000"
    )
    application = application_in(call, "other", requested="100000.01", cost="200000")
    assert codes(application) == {"grant_above_budget"}
    html, _manager = staff_page(client, application)
    assert "mag niet hoger zijn dan het budget van de oproep" in html
    exactly = application_in(call, "other", requested="100000", cost="200000")
    assert codes(exactly) == set()
    # The staff page in English says it too.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("manage_reviews:application", args=[call.slug, application.pk])).content.decode()
    assert "may not exceed the budget of the call" in english


def test_the_budget_section_states_the_calls_budget_next_to_the_amount(client, db):
    from accounts.tests.factories import MembershipFactory

    call = CallFactory(total_budget=Decimal("100000"))
    draft = ApplicationFactory(call=call, lead_organisation=OrganisationFactory(kind="other"), status=Status.DRAFT)
    owner = MembershipFactory(organisation=draft.lead_organisation, role="owner").user
    client.force_login(owner)
    url = reverse("applications:section", args=[draft.pk, "budget"])
    for language, text in (
        ("nl", "Ten hoogste het budget van de oproep, € 100.000"),
        ("en", "At most the budget of the call, €100,000"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(url).content.decode()
        start = html.index('name="requested_amount"')
        assert text in html[start : start + 1500], language  # beside the amount field


# --- LB: themes are not conditions -----------------------------------------------------------


def test_an_lb_project_with_no_theme_is_eligible(client, calls):
    lb = calls[LB]
    html = self_check(
        client,
        lb,
        lead_kind="municipality",
        requested_amount="40000",
        total_cost="50000",
        start_date="2021-07-01",
        end_date="2022-06-30",
    )
    assert 'data-testid="eligible"' in html
    assert "Thema’s waarrond het project werkt (niet verplicht)" in html
    application = application_in(lb, "municipality", requested="40000", cost="50000")
    application.objectives.clear()
    assert codes(application) == set()
    page = client.get(reverse("calls:detail", args=[LB])).content.decode()
    assert "Thema’s" in page


# --- The co-financing waiver is a decision ---------------------------------------------------


def lb_waiver_check(client, motivation, language="nl"):
    return self_check(
        client,
        seed_calls()["calls"][LB],
        language,
        lead_kind="municipality",
        requested_amount="51000",
        total_cost="60000",
        waiver_motivation=motivation,
    )


def test_a_one_word_waiver_motivation_is_not_eligible(client, calls):
    html = lb_waiver_check(client, "Geldgebrek.")
    assert "Nog niet in aanmerking" in html and "minstens 300 tekens (11 geschreven)" in html
    assert 'data-testid="eligible"' not in html and 'data-testid="eligible-on-condition"' not in html


def test_a_thorough_waiver_motivation_is_eligible_on_condition_never_plainly(client, calls):
    html = lb_waiver_check(client, THOROUGH)
    assert 'data-testid="eligible-on-condition"' in html and 'data-testid="eligible"' not in html
    assert "In aanmerking onder voorwaarde" in html
    english = lb_waiver_check(client, THOROUGH, "en")
    assert "Eligible on condition" in english and "accepts your motivation" in english


def test_line_breaks_count_as_one_character_however_the_browser_sends_them(client, calls):
    from calls.eligibility import visible_length

    assert visible_length("a\r\nb") == visible_length("a\nb") == 3
    assert visible_length("  é  ") == 1


@pytest.fixture
def waiver_application(calls):
    return application_in(calls[LB], "municipality", requested="51000", cost="60000", waiver_motivation=THOROUGH)


def test_an_application_with_a_pending_waiver_cannot_be_admitted_before_staff_decide(client, waiver_application):
    html, manager = staff_page(client, waiver_application)
    assert "Beslissing over de afwijking" in html
    with pytest.raises(ReviewError, match="afwijking"):
        services.admit(waiver_application, by=manager)


def test_an_accepted_waiver_is_recorded_audited_and_the_application_can_be_admitted(client, waiver_application):
    _html, manager = staff_page(client, waiver_application)
    url = reverse("manage_reviews:waiver", args=[LB, waiver_application.pk])

    response = client.post(url, {"decision": "accept", "motivation": "Grondig gemotiveerd."})

    assert response.status_code == 302
    waiver_application.refresh_from_db()
    assert waiver_application.waiver_decision == "accepted" and waiver_application.waiver_decided_by == manager
    assert AuditEvent.objects.filter(action="waiver_decided", object_id=str(waiver_application.pk)).exists()
    assert codes(waiver_application) == set()
    services.admit(waiver_application, by=manager)
    waiver_application.refresh_from_db()
    assert waiver_application.status == Status.IN_REVIEW


def test_a_refused_waiver_makes_the_application_inadmissible_unless_the_request_comes_down(client, waiver_application):
    _html, manager = staff_page(client, waiver_application)
    url = reverse("manage_reviews:waiver", args=[LB, waiver_application.pk])

    response = client.post(url, {"decision": "refuse", "motivation": "De financiële toestand is niet aangetoond."})

    assert response.status_code == 302
    waiver_application.refresh_from_db()
    assert waiver_application.status == Status.INCOMPLETE
    assert "De financiële toestand is niet aangetoond." in waiver_application.completion_request
    assert codes(waiver_application) == {"grant_share_waiver_refused"}
    # The applicant may now lower the request (the budget section opens for it)…
    from applications import services as application_services

    member = waiver_application.created_by
    assert application_services.edit_refusal(waiver_application, "budget", by=None) is None
    assert application_services.edit_refusal(waiver_application, "general", by=None)
    # …and until they do, admission stays refused and staff declare it inadmissible.
    waiver_application.status = Status.SUBMITTED
    waiver_application.save(update_fields=["status"])
    with pytest.raises(ReviewError):
        services.admit(waiver_application, by=manager)
    services.mark_inadmissible(waiver_application, by=manager, motivation="Het bedrag werd niet verlaagd.")
    waiver_application.refresh_from_db()
    assert waiver_application.status == Status.INADMISSIBLE
    assert member is not None


def test_a_refused_waiver_is_no_problem_once_the_request_is_within_the_share(waiver_application, client):
    _html, manager = staff_page(client, waiver_application)
    services.decide_waiver(waiver_application, accepted=False, motivation="Niet aangetoond.", by=manager)
    waiver_application.refresh_from_db()
    waiver_application.requested_amount = Decimal("48000")  # 80 % of 60 000
    waiver_application.own_contribution = Decimal("12000")
    waiver_application.save(update_fields=["requested_amount", "own_contribution"])
    assert codes(waiver_application) == set()


def test_a_waiver_decision_needs_a_motivation_and_keeps_what_was_typed(client, waiver_application):
    staff_page(client, waiver_application)
    url = reverse("manage_reviews:waiver", args=[LB, waiver_application.pk])
    response = client.post(url, {"decision": "refuse", "motivation": ""})
    assert response.status_code == 200
    assert 'value="refuse" checked' in response.content.decode() or "checked" in response.content.decode()
    waiver_application.refresh_from_db()
    assert waiver_application.waiver_decision == ""


# --- The second round ------------------------------------------------------------------------


def test_the_second_round_refuses_a_municipality_funded_in_round_one(client, calls):
    first, second = calls[LB], calls[LB2]
    funded = OrganisationFactory(kind="municipality", name="Gemeente Eerste Ronde")
    ApplicationFactory(
        call=first,
        lead_organisation=funded,
        status=Status.AWARDED,
        decision_published_at=timezone.now() - timedelta(days=90),
    )
    again = application_in(second, "municipality", requested="40000", cost="50000", lead=funded)
    assert "not_funded_in" in codes(again)
    other = application_in(second, "municipality", requested="40000", cost="50000")
    assert "not_funded_in" not in codes(other)

    asked = self_check(client, second, lead_kind="municipality", funded_before="yes")
    assert "Kreeg uw organisatie een subsidie in" in asked
    assert "Nog niet in aanmerking" in asked and "kunnen niet indienen" in asked
    assert "Nog niet in aanmerking" not in self_check(
        client,
        second,
        lead_kind="municipality",
        funded_before="no",
        requested_amount="40000",
        total_cost="50000",
        start_date="2022-01-01",
        end_date="2022-12-31",
    )


# --- Starting an application -----------------------------------------------------------------


def test_starting_refuses_an_organisation_that_cannot_lead_before_a_draft_exists(db):
    from accounts.tests.factories import MembershipFactory
    from applications import services as application_services
    from applications.models import Application
    from applications.workflow import TransitionError
    from calls.models import RuleKind
    from calls.tests.factories import EligibilityRuleFactory

    call = CallFactory()
    EligibilityRuleFactory(call=call, kind=RuleKind.LEAD_KINDS, number=None, org_kinds=["municipality"])
    membership = MembershipFactory(organisation=OrganisationFactory(kind="company"))

    with pytest.raises(TransitionError, match="penvoerder"):
        application_services.start(call, by=membership.user, organisation=membership.organisation)
    assert not Application.objects.filter(call=call).exists()
