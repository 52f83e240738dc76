"""Every rule message reads as a sentence: for every rule kind, with numbers 0, 1 and 2, in
Dutch and in English, no empty or doubled article, no "0" where a word belongs, and no kind
label glued to an article that does not agree with it ("een andere", "a other")."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import OrganisationKind
from calls.eligibility import Facts, check, describe
from calls.models import RuleKind
from calls.tests.factories import CallFactory, EligibilityRuleFactory

pytestmark = pytest.mark.django_db

ARTICLES = r"(?:a|an|the|een|de|het)"
DOUBLED_ARTICLE = re.compile(rf"\b{ARTICLES}\s+{ARTICLES}\b", re.IGNORECASE)
EMPTY_ARTICLE = re.compile(rf"\b{ARTICLES}\s*[.,;:)]", re.IGNORECASE)
ZERO_AS_WORD = re.compile(r"(?<![\d.,€])\b0\b(?![.,]\d)")
GLUED_KIND = re.compile(r"\b(?:een|a|an)\s+(?:andere|other)\b", re.IGNORECASE)

EVERY_KIND = [value for value, _label in OrganisationKind.choices]


def problems(text: str) -> list[str]:
    found = []
    for name, pattern in (
        ("doubled article", DOUBLED_ARTICLE),
        ("empty article", EMPTY_ARTICLE),
        ("0 as a word", ZERO_AS_WORD),
        ("article before a kind", GLUED_KIND),
    ):
        if pattern.search(text):
            found.append(f"{name}: {text!r}")
    return found


def cases():
    """(rule fields, facts) pairs that make each kind of rule speak, with counts 0, 1 and 2."""
    for n in (0, 1, 2):
        lead = Facts(lead_kind="other", partner_kinds=("other",) * n)
        yield dict(kind=RuleKind.MIN_PARTNERS, number=n + 1), lead
        yield dict(kind=RuleKind.MIN_PARTNERS, number=n), lead
        # (a maximum of 0 is refused when the rule is saved: the lead counts too)
        yield dict(kind=RuleKind.MAX_PARTNERS, number=n + 1), Facts(lead_kind="other", partner_kinds=("other",) * 3)
        for kind in EVERY_KIND:
            yield (
                dict(kind=RuleKind.PARTNERS_OF_KIND, number=n or 1, org_kind=kind, count_lead=bool(n % 2)),
                Facts(lead_kind="research" if kind != "research" else "other"),
            )
        sector = ["news_media", "research"]
        yield (
            dict(kind=RuleKind.ORGS_OF_KINDS, number=n + 1, org_kinds=sector, count_lead=n != 1),
            Facts(lead_kind="other", partner_kinds=("news_media",) * n),
        )
        yield dict(kind=RuleKind.MIN_OBJECTIVES, number=n), Facts(objective_count=0)
        yield (
            dict(kind=RuleKind.MAX_DURATION, number=n or 1),
            Facts(start_date=date(2025, 1, 1), end_date=date(2027, 1, 1)),
        )
    for kind in EVERY_KIND:
        yield dict(kind=RuleKind.LEAD_KINDS, org_kinds=[k for k in EVERY_KIND if k != kind]), Facts(lead_kind=kind)
    amounts = Facts(requested_amount=Decimal("50000"), total_cost=Decimal("51000"))
    yield dict(kind=RuleKind.GRANT_MIN, amount=Decimal("60000")), amounts
    yield dict(kind=RuleKind.GRANT_MAX, amount=Decimal("40000")), amounts
    yield dict(kind=RuleKind.MAX_GRANT_SHARE, percent=Decimal("80"), waiver_allowed=False), amounts
    yield dict(kind=RuleKind.MAX_GRANT_SHARE, percent=Decimal("80"), waiver_allowed=True), amounts
    for motivation in ("", "Geldgebrek.", "x" * 400):
        yield (
            dict(kind=RuleKind.MAX_GRANT_SHARE, percent=Decimal("80"), waiver_allowed=True),
            Facts(requested_amount=Decimal("50000"), total_cost=Decimal("51000"), waiver_motivation=motivation),
        )
    yield (
        dict(
            kind=RuleKind.PROJECT_DATES,
            start_from=date(2025, 2, 1),
            start_until=date(2025, 3, 1),
            end_by=date(2025, 12, 31),
        ),
        Facts(start_date=date(2025, 1, 1), end_date=date(2026, 1, 1)),
    )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_rule_message_has_an_empty_or_doubled_article_or_a_zero_for_a_word(language):
    excluded = CallFactory(title_nl="Eerste ronde", title_en="First round")
    messages = []
    for fields, facts in cases():
        call = CallFactory(total_budget=Decimal("45000"))
        rule = EligibilityRuleFactory(call=call, **{"number": None, **fields})
        with translation.override(language):
            messages += [finding.message for finding in check(call, facts)]
            messages.append(describe(rule))
    rule = EligibilityRuleFactory(call=CallFactory(), kind=RuleKind.NOT_FUNDED_IN, number=None, excluded_call=excluded)
    with translation.override(language):
        messages += [f.message for f in check(rule.call, Facts(funded_in_call_ids=frozenset({excluded.pk})))]
        messages.append(describe(rule))

    assert len(messages) > 100  # every kind spoke, with each count
    found = [problem for message in messages for problem in problems(message)]
    assert found == [], "\n".join(found)


def test_the_checker_catches_what_it_is_meant_to_catch():
    """The patterns of the test above are not vacuous: the old messages fail them."""
    assert problems("Een andere kan in deze oproep geen aanvraag indienen.")
    assert problems("A other cannot lead an application in this call.")
    assert problems("het telt er 0.")
    assert problems("Voeg een een partner toe.")
    assert problems("Add a .")
    assert not problems("Het samenwerkingsverband telt er geen; de subsidie is € 0,00 of € 60.000.")
