from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from calls.models import (
    Call,
    CallRole,
    Criterion,
    DeadlineChange,
    EligibilityRule,
    LegalFrame,
    Objective,
    Question,
    RequiredDocument,
)


class CallFactory(DjangoModelFactory):
    """An open, published call (opened a week ago, closes in 30 days)."""

    class Meta:
        model = Call

    slug = factory.Sequence(lambda n: f"call-{n}")
    reference_prefix = factory.Sequence(lambda n: f"C{n}")
    title_nl = factory.Sequence(lambda n: f"Projectoproep {n}")
    title_en = factory.Sequence(lambda n: f"Project call {n}")
    summary_nl = "Een oproep voor projecten."
    summary_en = "A call for projects."
    total_budget = Decimal("1000000")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    published = True
    reviews_required = 2


class ObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = Objective

    call = factory.SubFactory(CallFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_nl = factory.Sequence(lambda n: f"Doelstelling {n}")
    title_en = factory.Sequence(lambda n: f"Objective {n}")


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    title_nl = factory.Sequence(lambda n: f"Criterium {n}")
    title_en = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("1")
    order = factory.Sequence(lambda n: n)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    call = factory.SubFactory(CallFactory)
    text_nl = factory.Sequence(lambda n: f"Vraag {n}?")
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    kind = "long_text"
    max_chars = 2000
    order = factory.Sequence(lambda n: n)


class RequiredDocumentFactory(DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory)
    kind = "project_plan"
    title_nl = "Projectplan"
    title_en = "Project plan"
    allowed_formats = ["pdf"]


class EligibilityRuleFactory(DjangoModelFactory):
    class Meta:
        model = EligibilityRule

    call = factory.SubFactory(CallFactory)
    kind = "min_objectives"
    number = 1


class CallRoleFactory(DjangoModelFactory):
    class Meta:
        model = CallRole

    call = factory.SubFactory(CallFactory)
    user = factory.SubFactory(UserFactory)
    role = CallRole.Role.MANAGER


class DeadlineChangeFactory(DjangoModelFactory):
    class Meta:
        model = DeadlineChange

    call = factory.SubFactory(CallFactory)
    old_closes_at = factory.LazyAttribute(lambda o: o.call.closes_at)
    new_closes_at = factory.LazyAttribute(lambda o: o.call.closes_at + timedelta(days=7))
    reason = "Verlengd op vraag van de sector."


class LegalFrameFactory(DjangoModelFactory):
    """A complete legal frame, without the state-aid section (pass state_aid=True)."""

    class Meta:
        model = LegalFrame

    call = factory.SubFactory(CallFactory)
    legal_basis_title_nl = "Besluit van de Vlaamse Regering over de projectsubsidie"
    legal_basis_title_en = "Decision of the Flemish Government on the project grant"
    legal_basis_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    legal_basis_url = "https://codex.example.org/besluit"
    decision_maker_nl = "De Vlaamse minister van Media, op advies van een beoordelingscommissie."
    decision_maker_en = "The Flemish minister for Media, on the advice of an assessment committee."
    contact_name = "Jan Contact"
    contact_email = "oproep@example.org"
    contact_phone = "+32 2 553 00 00"
    admissibility_nl = "Tijdig, volledig en in het Nederlands ingediend."
    admissibility_en = "Submitted on time, complete and in Dutch."
    eligible_costs_nl = "Personeels- en werkingskosten van het project."
    eligible_costs_en = "Personnel and operating costs of the project."
    vat_rule = "not_recoverable"
    communication_obligation_nl = "Vermeld de steun van de Vlaamse overheid."
    communication_obligation_en = "Mention the support of the Flemish Government."
    state_aid = False
