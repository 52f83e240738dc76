"""Every kind of eligibility rule, on the real rules of both seeded calls."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from calls.eligibility import Facts, blocking, check, describe
from calls.models import EligibilityRule, RuleKind, Severity
from calls.tests.factories import CallFactory, EligibilityRuleFactory


def codes(findings):
    return {f.code for f in findings}


def lb_facts(**kwargs):
    """A valid local-authority proposal, changed by `kwargs`."""
    values = dict(
        lead_kind="municipality",
        objective_count=1,
        requested_amount=Decimal("60000"),
        total_cost=Decimal("75000"),
        start_date=date(2021, 7, 1),
        end_date=date(2022, 6, 30),
    )
    return Facts(**{**values, **kwargs})


# --- The disinformation call ------------------------------------------------------------------


def test_a_lone_research_institution_is_not_eligible_for_the_disinformation_call(des):
    findings = check(des, Facts(lead_kind="research", objective_count=1))
    assert codes(blocking(findings)) == {"orgs_of_kinds", "partners_of_kind"}


def test_a_research_institution_with_a_news_medium_partner_is_eligible(des):
    assert check(des, Facts(lead_kind="research", partner_kinds=("news_media",), objective_count=2)) == []


def test_a_news_medium_leading_counts_as_the_news_media_partner(des):
    findings = check(des, Facts(lead_kind="news_media", partner_kinds=("research",), objective_count=1))
    assert findings == []


def test_two_partners_without_a_news_medium_are_not_enough(des):
    findings = check(des, Facts(lead_kind="research", partner_kinds=("media_literacy",), objective_count=1))
    assert codes(findings) == {"partners_of_kind"}


def test_a_municipality_cannot_lead_a_disinformation_application(des):
    findings = check(des, Facts(lead_kind="municipality", partner_kinds=("news_media",), objective_count=1))
    # …and a municipality does not count towards the two sector organisations either.
    assert codes(findings) == {"lead_kind", "orgs_of_kinds"}


def test_a_proposal_must_address_an_objective(des):
    findings = check(des, Facts(lead_kind="research", partner_kinds=("news_media",), objective_count=0))
    assert codes(findings) == {"min_objectives"}


def test_findings_say_what_to_change_in_the_visitors_language(des):
    facts = Facts(lead_kind="research", objective_count=1)
    with translation.override("en"):
        english = [f.message for f in check(des, facts)]
    with translation.override("nl"):
        dutch = [f.message for f in check(des, facts)]
    assert any("at least 2 organisations" in m.lower() for m in english)
    assert any("minstens 2 organisaties" in m.lower() for m in dutch)


# --- The local-authority call -----------------------------------------------------------------


def test_60000_with_20_percent_co_financing_passes(lb):
    assert check(lb, lb_facts()) == []


def test_60001_is_refused(lb):
    findings = check(lb, lb_facts(requested_amount=Decimal("60001"), total_cost=Decimal("80000")))
    assert codes(findings) == {"grant_max"}
    with translation.override("nl"):
        assert (
            "€ 60.000" in check(lb, lb_facts(requested_amount=Decimal("60001"), total_cost=Decimal("80000")))[0].message
        )


def test_15_percent_co_financing_needs_a_waiver_motivation(lb):
    facts = lb_facts(requested_amount=Decimal("51000"), total_cost=Decimal("60000"))  # 85 %
    findings = check(lb, facts)
    assert codes(findings) == {"grant_share_needs_waiver"}
    assert findings[0].section == "waiver"


def test_15_percent_co_financing_with_a_short_motivation_is_not_eligible(lb):
    facts = lb_facts(
        requested_amount=Decimal("51000"),
        total_cost=Decimal("60000"),
        waiver_motivation="Het OCMW kan de cofinanciering dit jaar niet dragen; zie de raadsbeslissing.",
    )
    (finding,) = check(lb, facts)
    assert finding.code == "grant_share_needs_waiver" and finding.blocking


def test_a_blank_waiver_motivation_is_no_motivation(lb):
    facts = lb_facts(requested_amount=Decimal("51000"), total_cost=Decimal("60000"), waiver_motivation="   ")
    assert codes(check(lb, facts)) == {"grant_share_needs_waiver"}


def test_without_a_waiver_the_share_is_a_hard_limit(lb):
    rule = lb.eligibility_rules.get(kind=RuleKind.MAX_GRANT_SHARE)
    rule.waiver_allowed = False
    rule.save()
    facts = lb_facts(requested_amount=Decimal("51000"), total_cost=Decimal("60000"), waiver_motivation="Graag.")
    assert codes(check(lb, facts)) == {"grant_share"}


def test_a_company_cannot_lead_a_local_authority_application(lb):
    findings = check(lb, lb_facts(lead_kind="company"))
    assert codes(findings) == {"lead_kind"}
    with translation.override("en"):
        message = check(lb, lb_facts(lead_kind="company"))[0].message
    assert "“company” cannot lead" in message and "“municipality”" in message


def test_a_partnership_of_municipalities_may_lead(lb):
    assert check(lb, lb_facts(lead_kind="municipal_partnership")) == []


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (date(2021, 6, 1), date(2022, 5, 31), "start_too_early"),
        (date(2021, 9, 1), date(2022, 7, 31), "end_too_late"),
        (date(2021, 9, 1), date(2021, 8, 1), "dates_order"),
    ],
)
def test_project_dates_outside_the_window_are_refused(lb, start, end, code):
    assert code in codes(check(lb, lb_facts(start_date=start, end_date=end)))


def test_a_project_may_last_at_most_12_months(lb):
    findings = check(lb, lb_facts(start_date=date(2021, 7, 1), end_date=date(2022, 7, 1)))
    assert "max_duration" in codes(findings)
    assert check(lb, lb_facts(start_date=date(2021, 7, 1), end_date=date(2022, 6, 30))) == []


def test_unknown_facts_give_no_findings(lb, des):
    assert check(lb, Facts()) == []
    assert check(des, Facts()) == []


# --- Rule kinds the seeded calls do not use ------------------------------------------------------


@pytest.mark.django_db
def test_organisations_funded_in_an_earlier_round_may_not_apply(lb):
    second_round = CallFactory()
    EligibilityRuleFactory(call=second_round, kind=RuleKind.NOT_FUNDED_IN, number=None, excluded_call=lb)
    assert codes(check(second_round, Facts(lead_kind="municipality", funded_in_call_ids=frozenset({lb.pk})))) == {
        "not_funded_in"
    }
    assert check(second_round, Facts(lead_kind="municipality", funded_in_call_ids=frozenset())) == []
    assert check(second_round, Facts(lead_kind="municipality")) == []  # not known: no finding


@pytest.mark.django_db
def test_minimum_grant_and_maximum_partners():
    call = CallFactory()
    EligibilityRuleFactory(call=call, kind=RuleKind.GRANT_MIN, number=None, amount=Decimal("10000"))
    EligibilityRuleFactory(call=call, kind=RuleKind.MAX_PARTNERS, number=3)
    facts = Facts(lead_kind="research", partner_kinds=("news_media",) * 3, requested_amount=Decimal("5000"))
    assert codes(check(call, facts)) == {"grant_min", "max_partners"}
    assert (
        check(call, Facts(lead_kind="research", partner_kinds=("news_media",) * 2, requested_amount=Decimal("10000")))
        == []
    )


@pytest.mark.django_db
def test_partners_of_a_kind_besides_the_lead():
    call = CallFactory()
    EligibilityRuleFactory(call=call, kind=RuleKind.PARTNERS_OF_KIND, number=1, org_kind="news_media", count_lead=False)
    assert codes(check(call, Facts(lead_kind="news_media"))) == {"partners_of_kind"}
    assert check(call, Facts(lead_kind="news_media", partner_kinds=("news_media",))) == []


@pytest.mark.django_db
def test_a_warning_rule_does_not_block():
    call = CallFactory()
    EligibilityRuleFactory(call=call, kind=RuleKind.MIN_OBJECTIVES, number=2, severity=Severity.WARNING)
    findings = check(call, Facts(objective_count=1))
    assert codes(findings) == {"min_objectives"} and blocking(findings) == []


def test_every_rule_reads_as_a_sentence_in_both_languages(lb, des):
    rules = list(EligibilityRule.objects.filter(call__in=[lb, des]))
    with translation.override("nl"):
        dutch = {describe(rule) for rule in rules}
    with translation.override("en"):
        english = {describe(rule) for rule in rules}
    assert "The grant is at most €60,000 per applicant (the lead organisation, for its whole partnership)." in english
    assert (
        "De subsidie bedraagt ten hoogste € 60.000 per aanvrager (de penvoerder, voor het hele samenwerkingsverband)."
        in dutch
    )
    assert all(dutch) and all(english)
